import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody } from 'swsync/schema';
import { ServerError, STATUS_BY_CODE } from '../errors.ts';
import { classifyFault } from '../store/faults.ts';

/** Seconds a client should wait before retrying a request answered 503. */
export const RETRY_AFTER_SECONDS = 1;

/** Where unexpected errors go: the server's own log, never the client. */
export type ErrorLogger = (message: string, error: unknown) => void;

const defaultLogger: ErrorLogger = (message, error) => console.error(message, error);

/**
 * Writes `{ error, details? }` with `status`. The only way an error body is produced.
 *
 * @example
 * return errorResponse(c, 404, 'not found');
 */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  error: string,
  details?: unknown,
): Response {
  const body: ErrorBody = details === undefined ? { error } : { error, details };
  return c.json(body, status);
}

/**
 * Maps any thrown value to an HTTP answer, in one place (`app.onError`):
 * - a {@link ServerError} → its code's status, its message and details (both client-safe);
 * - a transient database fault (serialization failure, connection lost, store closed) → 503 with
 *   `Retry-After`: the transaction rolled back, nothing was applied, the client retries;
 * - anything else is a server bug: logged here with its stack, answered 500 without detail.
 *
 * @example
 * app.onError(createErrorHandler());
 */
export function createErrorHandler(log: ErrorLogger = defaultLogger) {
  return (error: unknown, c: Context): Response => {
    if (error instanceof ServerError) {
      const status = STATUS_BY_CODE[error.code];
      if (status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return errorResponse(c, status, error.message, error.details);
    }
    // Thrown by Hono middleware (e.g. a body limit) an application may put in front.
    if (error instanceof HTTPException) {
      const status = error.status >= 500 ? 503 : error.status;
      return errorResponse(c, status as ContentfulStatusCode, error.message || 'request failed');
    }
    const kind = classifyFault(error);
    if (kind === 'retry' || kind === 'unavailable') {
      c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return errorResponse(c, 503, 'service unavailable');
    }
    log(`swsync: unexpected error on ${c.req.method} ${c.req.path}`, error);
    return errorResponse(c, 500, 'internal error');
  };
}

/** Unknown routes answer 404 with the same body shape as every other error. */
export function notFoundHandler(c: Context): Response {
  return errorResponse(c, 404, 'not found');
}

export const badRequest = (message: string, details?: unknown) =>
  new ServerError('BAD_REQUEST', message, details);
export const payloadTooLarge = (message: string, details?: unknown) =>
  new ServerError('PAYLOAD_TOO_LARGE', message, details);
export const unauthorized = () => new ServerError('UNAUTHORIZED', 'unauthorized');
