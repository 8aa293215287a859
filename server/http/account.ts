import type { Context } from 'hono';
import { ACCOUNT_HEADER, ACCOUNT_MAX_LENGTH, ACCOUNT_MISMATCH, isAccountId } from 'swsync/schema';
import { ServerError } from '../errors.ts';

/**
 * The account a request says its local database belongs to, or undefined when it names none (a
 * v1 client): the `Swsync-Account` header (percent-encoded UTF-8, since header values are
 * bytes), else, where `query` allows it (the event stream: an `EventSource` cannot set
 * headers), the `account` query parameter. An empty, over-long or badly encoded value is a 400.
 */
export function readAccountHeader(c: Context, query = false): string | undefined {
  const header = c.req.header(ACCOUNT_HEADER);
  const value =
    header !== undefined ? percentDecoded(header) : query ? c.req.query('account') : undefined;
  if (value === undefined) return undefined;
  if (value === null || !isAccountId(value)) {
    throw new ServerError(
      'BAD_REQUEST',
      `the ${ACCOUNT_HEADER} header must hold 1 to ${ACCOUNT_MAX_LENGTH} characters`,
    );
  }
  return value;
}

function percentDecoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * The credentials are valid but another account's: nothing was read or applied, and the
 * client pauses this database until its own account signs in again.
 */
export const accountMismatch = () =>
  new ServerError('ACCOUNT_MISMATCH', 'another account is signed in', { code: ACCOUNT_MISMATCH });
