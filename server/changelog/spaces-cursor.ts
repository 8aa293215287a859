import { ServerError } from '../errors.ts';
import {
  type Cursor,
  cursorBinding,
  fromBase64Url,
  isBase64Url,
  parseCursor,
  toBase64Url,
} from './cursor.ts';

/**
 * The cursor of a spaces pull (docs/protocol.md, "Spaces"): one opaque string holding the
 * account-log position and a position in each scope the device holds. Format 5:
 *
 *   `5:<binding>:<logSeq>:<grant>.<seq>[.<ms>],...`
 *
 * - `<binding>` binds it to the account (as formats 3/4 bind to account and scope);
 * - each scope is named by the account-log seq of the grant that gave it (0: the personal
 *   scope), which keeps the cursor short and makes a membership revoked and granted again a new
 *   one, pulled from its start;
 * - `<ms>` is present while that scope's full pull is still paging: when it began (epoch ms).
 *
 * A scope missing from the cursor is new to the device: it is pulled from its start. A format 3/4 cursor of the personal scope (a v1 pull) is
 * accepted as the start of a spaces pull: the device keeps what it has and learns its shared
 * scopes from their start.
 */
export interface SpacesCursor {
  log: number;
  /** By grant seq (0: personal scope). */
  positions: Map<number, Cursor>;
}

const FORMAT = /^5:([0-9a-f]{16}):(0|[1-9][0-9]{0,15}):(.*)$/;
const ENTRY = /^(0|[1-9][0-9]{0,15})\.(0|[1-9][0-9]{0,15})(?:\.([1-9][0-9]{0,15}))?$/;
/** 1,000,000 characters: some 40,000 scopes. */
const MAX_LENGTH = 1_000_000;

const spacesOwner = (account: string) => ({ account, scope: '\u0000spaces' });

export function encodeSpacesCursor(account: string, cursor: SpacesCursor): string {
  const entries = [...cursor.positions]
    .sort(([a], [b]) => a - b)
    .map(([grant, { seq, fullPullSince }]) =>
      fullPullSince === null ? `${grant}.${seq}` : `${grant}.${seq}.${fullPullSince}`,
    );
  return toBase64Url(`5:${cursorBinding(spacesOwner(account))}:${cursor.log}:${entries.join(',')}`);
}

/**
 * Decodes `account`'s cursor; null → null (a full pull). Throws like `parseCursor`: 400 for a
 * cursor never issued or issued to another account, 409 for a v1 cursor.
 */
export function parseSpacesCursor(
  cursor: string | null | undefined,
  account: string,
): SpacesCursor | null {
  if (cursor === null || cursor === undefined) return null;
  if (!isBase64Url(cursor, MAX_LENGTH)) throw badCursor();
  const text = fromBase64Url(cursor);
  if (!text.startsWith('5:')) {
    // A single-scope cursor of the personal scope: the start of a spaces pull.
    const personal = parseCursor(cursor, { scope: account, account });
    return personal ? { log: 0, positions: new Map([[0, personal]]) } : null;
  }
  const match = FORMAT.exec(text);
  if (!match) throw badCursor();
  if (match[1] !== cursorBinding(spacesOwner(account))) {
    throw new ServerError('BAD_REQUEST', 'lastChangelogId was issued to another scope or account');
  }
  const positions = new Map<number, Cursor>();
  const body = match[3]!;
  for (const entry of body === '' ? [] : body.split(',')) {
    const parts = ENTRY.exec(entry);
    if (!parts) throw badCursor();
    const since = parts[3] === undefined ? null : Number(parts[3]);
    if (since !== null && since > Date.now() + 60_000) throw badCursor();
    positions.set(Number(parts[1]), { seq: Number(parts[2]), fullPullSince: since });
  }
  const decoded = { log: Number(match[2]), positions };
  // Only the canonical form this server writes is valid (one string per position).
  if (encodeSpacesCursor(account, decoded) !== cursor) throw badCursor();
  return decoded;
}

const badCursor = () => new ServerError('BAD_REQUEST', 'invalid lastChangelogId');
