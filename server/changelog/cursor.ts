import { ServerError } from '../errors.ts';

/**
 * Changelog ids and cursors are opaque to clients: base64url of `1:<seq>`, where `1` is the
 * format version. A later format (e.g. a position per scope for multi-scope reads) gets a new
 * version and both can be accepted side by side.
 *
 * Format 2, `2:<seq>:<ms>`, is the cursor of a full pull still paging: `<ms>` is when it began
 * (epoch ms). Its pages must not expire because of tombstones purged before that moment.
 */
const FORMAT = /^1:(0|[1-9][0-9]{0,15})$/;
const FULL_PULL_FORMAT = /^2:(0|[1-9][0-9]{0,15}):([1-9][0-9]{0,15})$/;

/** A decoded cursor: the position, and when the full pull it belongs to began (if it does). */
export interface Cursor {
  seq: number;
  fullPullSince: number | null;
}

/** The cursor of a full pull that began at `since` (epoch ms) and has reached `seq`. */
export function encodeFullPullCursor(seq: number, since: number): string {
  return toBase64Url(`2:${seq}:${since}`);
}

/** Encodes a position in a scope's changelog. */
export function encodeChangelogId(seq: number): string {
  return toBase64Url(`1:${seq}`);
}

/** The seq a changelog id names, or undefined when it is not one this server issues. */
export function decodeChangelogId(id: string): number | undefined {
  if (id.length === 0 || id.length > 32 || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const match = FORMAT.exec(fromBase64Url(id));
  if (!match) return undefined;
  const seq = Number(match[1]);
  // Reject non-canonical encodings (padding bits) so each position has exactly one id.
  return Number.isSafeInteger(seq) && encodeChangelogId(seq) === id ? seq : undefined;
}

/** Decodes a client's cursor; a malformed one is a 400. */
export function parseCursor(cursor: string | null | undefined): Cursor | null {
  if (cursor === null || cursor === undefined) return null;
  const seq = decodeChangelogId(cursor);
  if (seq !== undefined) return { seq, fullPullSince: null };
  const full = decodeFullPullCursor(cursor);
  if (full === undefined) throw new ServerError('BAD_REQUEST', 'invalid lastChangelogId');
  return full;
}

function decodeFullPullCursor(id: string): Cursor | undefined {
  if (id.length > 64 || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const match = FULL_PULL_FORMAT.exec(fromBase64Url(id));
  if (!match) return undefined;
  const seq = Number(match[1]);
  const since = Number(match[2]);
  // A start in the future was never issued (it would dodge expiry for longer than it may).
  if (!Number.isSafeInteger(seq) || since > Date.now() + 60_000) return undefined;
  return encodeFullPullCursor(seq, since) === id ? { seq, fullPullSince: since } : undefined;
}

// btoa/atob rather than Node's Buffer: the server core runs on any Web runtime. Both formats are
// ASCII, so the binary strings these functions work on are the text itself.
function toBase64Url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The decoded text, or '' when `id` is not base64url (no format matches ''). */
function fromBase64Url(id: string): string {
  const base64 = id.replace(/-/g, '+').replace(/_/g, '/');
  try {
    return atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  } catch {
    return '';
  }
}
