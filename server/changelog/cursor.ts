import { ServerError } from '../errors.ts';

/**
 * Changelog ids and cursors are opaque to clients: base64url of `1:<seq>`, where `1` is the
 * format version. A later format (e.g. a position per scope for multi-scope reads) gets a new
 * version and both can be accepted side by side.
 */
const FORMAT = /^1:(0|[1-9][0-9]{0,15})$/;

/** Encodes a position in a scope's changelog. */
export function encodeChangelogId(seq: number): string {
  return Buffer.from(`1:${seq}`, 'utf8').toString('base64url');
}

/** The seq a changelog id names, or undefined when it is not one this server issues. */
export function decodeChangelogId(id: string): number | undefined {
  if (id.length === 0 || id.length > 32 || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const match = FORMAT.exec(Buffer.from(id, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const seq = Number(match[1]);
  // Reject non-canonical encodings (padding bits) so each position has exactly one id.
  return Number.isSafeInteger(seq) && encodeChangelogId(seq) === id ? seq : undefined;
}

/** Decodes a client's cursor; a malformed one is a 400. */
export function parseCursor(cursor: string | null | undefined): number | null {
  if (cursor === null || cursor === undefined) return null;
  const seq = decodeChangelogId(cursor);
  if (seq === undefined) throw new ServerError('BAD_REQUEST', 'invalid lastChangelogId');
  return seq;
}
