import { ServerError } from '../errors.ts';

/**
 * Changelog ids and cursors are opaque to clients (base64url of ASCII text, a format number
 * first), so formats can change without a protocol change.
 *
 * Changelog ids (`LogWithRecord.id`, `appliedChangelogId`, a poke's `cursor`) name one entry:
 * format 1, `1:<seq>`.
 *
 * Cursors (a pull's `cursor`, passed back as `lastChangelogId`) are bound to the scope and
 * account they were issued to, so one caller's cursor can never move another's position
 * (docs/protocol.md, "Cursors"):
 * - format 3, `3:<binding>:<seq>`: a position in the scope's changelog;
 * - format 4, `4:<binding>:<seq>:<ms>`: the cursor of a full pull still paging, `<ms>` being
 *   when it began (epoch ms); its pages must not expire because of tombstones purged before.
 * `<binding>` is 16 hex digits of a 64-bit hash of account and scope. It is not a secret: a
 * cursor only ever selects entries of the caller's own scope, the binding only keeps a cursor
 * from being used where it would skip entries.
 *
 * Formats 1 and 2 (`2:<seq>:<ms>`) were the cursors of protocol v1 and carry no binding: as a
 * `lastChangelogId` they are answered 409 (cursor expired), and the client starts over once.
 */
const ID_FORMAT = /^1:(0|[1-9][0-9]{0,15})$/;
const UNBOUND_FORMAT = /^(?:1:(?:0|[1-9][0-9]{0,15})|2:(?:0|[1-9][0-9]{0,15}):[1-9][0-9]{0,15})$/;
const CURSOR_FORMAT = /^3:([0-9a-f]{16}):(0|[1-9][0-9]{0,15})$/;
const FULL_PULL_FORMAT = /^4:([0-9a-f]{16}):(0|[1-9][0-9]{0,15}):([1-9][0-9]{0,15})$/;
const MAX_LENGTH = 96;

/** A decoded cursor: the position, and when the full pull it belongs to began (if it does). */
export interface Cursor {
  seq: number;
  fullPullSince: number | null;
}

/** Whom a cursor belongs to: the caller's scope, and the account that pulls it. */
export interface CursorOwner {
  scope: string;
  /** Default: the scope (one account, one scope). */
  account?: string;
}

/**
 * 64 bits of FNV-1a over the UTF-16 units of `account \0 scope`, as two 32-bit lanes with
 * different offsets. A collision lets a foreign cursor through with probability 2^-64.
 */
export function cursorBinding(owner: CursorOwner): string {
  const text = `${owner.account ?? owner.scope}\u0000${owner.scope}`;
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The cursor at `seq` of `owner`'s changelog. */
export function encodeCursor(owner: CursorOwner, seq: number): string {
  return toBase64Url(`3:${cursorBinding(owner)}:${seq}`);
}

/** The cursor of `owner`'s full pull that began at `since` (epoch ms) and has reached `seq`. */
export function encodeFullPullCursor(owner: CursorOwner, seq: number, since: number): string {
  return toBase64Url(`4:${cursorBinding(owner)}:${seq}:${since}`);
}

/** Encodes the id of the changelog entry at `seq`. */
export function encodeChangelogId(seq: number): string {
  return toBase64Url(`1:${seq}`);
}

/** The seq a changelog id names, or undefined when it is not one this server issues. */
export function decodeChangelogId(id: string): number | undefined {
  if (!isBase64Url(id, 32)) return undefined;
  const match = ID_FORMAT.exec(fromBase64Url(id));
  if (!match) return undefined;
  const seq = Number(match[1]);
  // Reject non-canonical encodings (padding bits) so each position has exactly one id.
  return Number.isSafeInteger(seq) && encodeChangelogId(seq) === id ? seq : undefined;
}

/**
 * Decodes `owner`'s cursor. Throws `BAD_REQUEST` (400) for one this server never issued or
 * issued to another scope or account, and `CURSOR_EXPIRED` (409) for a v1 cursor, which
 * carries no binding.
 */
export function parseCursor(cursor: string | null | undefined, owner: CursorOwner): Cursor | null {
  if (cursor === null || cursor === undefined) return null;
  if (!isBase64Url(cursor, MAX_LENGTH)) throw badCursor();
  const text = fromBase64Url(cursor);
  if (UNBOUND_FORMAT.test(text) && toBase64Url(text) === cursor) {
    throw new ServerError('CURSOR_EXPIRED', 'cursor expired');
  }
  const decoded = decodeCursor(text);
  if (!decoded || decoded.encode(owner) !== cursor) {
    throw decoded && decoded.binding !== cursorBinding(owner)
      ? new ServerError('BAD_REQUEST', 'lastChangelogId was issued to another scope or account')
      : badCursor();
  }
  return decoded.cursor;
}

interface DecodedCursor {
  cursor: Cursor;
  binding: string;
  /** Re-encodes the cursor for `owner`, to reject non-canonical forms and foreign bindings. */
  encode(owner: CursorOwner): string;
}

function decodeCursor(text: string): DecodedCursor | undefined {
  const plain = CURSOR_FORMAT.exec(text);
  if (plain) {
    const seq = Number(plain[2]);
    if (!Number.isSafeInteger(seq)) return undefined;
    return {
      cursor: { seq, fullPullSince: null },
      binding: plain[1]!,
      encode: (owner) => encodeCursor(owner, seq),
    };
  }
  const full = FULL_PULL_FORMAT.exec(text);
  if (!full) return undefined;
  const seq = Number(full[2]);
  const since = Number(full[3]);
  // A start in the future was never issued (it would dodge expiry for longer than it may).
  if (!Number.isSafeInteger(seq) || since > Date.now() + 60_000) return undefined;
  return {
    cursor: { seq, fullPullSince: since },
    binding: full[1]!,
    encode: (owner) => encodeFullPullCursor(owner, seq, since),
  };
}

const badCursor = () => new ServerError('BAD_REQUEST', 'invalid lastChangelogId');

export function isBase64Url(text: string, maxLength: number): boolean {
  return text.length > 0 && text.length <= maxLength && /^[A-Za-z0-9_-]+$/.test(text);
}

// btoa/atob rather than Node's Buffer: the server core runs on any Web runtime. Every format is
// ASCII, so the binary strings these functions work on are the text itself.
export function toBase64Url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The decoded text, or '' when `id` is not base64url (no format matches ''). */
export function fromBase64Url(id: string): string {
  const base64 = id.replace(/-/g, '+').replace(/_/g, '/');
  try {
    return atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  } catch {
    return '';
  }
}
