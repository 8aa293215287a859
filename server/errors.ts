import { SwsyncError } from 'swsync/schema';

/** Error codes the HTTP layer maps to status codes in one place (`app.onError`). */
export type ServerErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'ACCOUNT_MISMATCH'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CURSOR_EXPIRED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAVAILABLE';

/** An error whose message is safe to send to the client as `{ error, details }`. */
export class ServerError extends SwsyncError<ServerErrorCode> {
  constructor(code: ServerErrorCode, message: string, details?: unknown) {
    super(code, message, details);
    this.name = 'ServerError';
  }
}

export const STATUS_BY_CODE: Record<ServerErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 503> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  ACCOUNT_MISMATCH: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CURSOR_EXPIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
};

/** The database failed; nothing was applied, so the client may retry later (503). */
export const databaseUnavailable = (details?: { reason: string }) =>
  new ServerError('UNAVAILABLE', 'the database is unavailable, retry later', details);

/** The cursor is older than the retained changelog: the client must start over. */
export const cursorExpired = () => new ServerError('CURSOR_EXPIRED', 'cursor expired');
