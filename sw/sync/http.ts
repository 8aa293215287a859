import { ACCOUNT_MISMATCH } from 'swsync/schema';
import type { z } from 'zod';
import { errorText } from '../errors.ts';
import { parseRetryAfter } from './backoff.ts';
import type { SyncContext, SyncFailure } from './context.ts';

/** What one POST to a sync route came to. */
export type HttpOutcome<T> =
  | { kind: 'ok'; body: T }
  | SyncFailure
  /** 413, or 400 (the server could not take this request as it is): the caller may split it. */
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'cursor-expired' };

/**
 * POSTs JSON to `${endpoint}${path}` and classifies the answer. Never throws for network or
 * server faults: those are outcomes the sync loop decides on. A network error while the
 * browser says it is offline is `offline` (not a failure worth a retry count).
 */
export async function postJson<T>(
  ctx: SyncContext,
  path: string,
  body: unknown,
  schema: z.ZodType<T>,
): Promise<HttpOutcome<T>> {
  const controller = new AbortController();
  // A request never outlives the run's budget by much: a `sync` event has a hard limit.
  const timeout = Math.min(ctx.requestTimeoutMs, Math.max(1000, ctx.deadline - ctx.now()));
  const timer = ctx.setTimeout(() => controller.abort(), timeout);
  let response: Response;
  try {
    response = await ctx.fetch(`${ctx.endpoint}${path}`, {
      method: 'POST',
      // The extra headers go first so they can never replace the content type.
      headers: { ...ctx.headers(), 'content-type': 'application/json' },
      credentials: ctx.credentials,
      body: JSON.stringify(body),
      signal: controller.signal,
    });
  } catch (error) {
    ctx.clearTimeout(timer);
    if (!ctx.isOnline()) return { kind: 'offline' };
    return { kind: 'retryable', message: `network error: ${errorText(error)}` };
  }
  try {
    if (response.status === 200) {
      const parsed = schema.safeParse(await response.json());
      if (!parsed.success) {
        return { kind: 'retryable', status: 200, message: 'unexpected response from the server' };
      }
      return { kind: 'ok', body: parsed.data };
    }
    const { message, code } = await errorOf(response);
    switch (response.status) {
      case 401:
        return { kind: 'unauthorized' };
      case 403:
        return code === ACCOUNT_MISMATCH ? { kind: 'account-mismatch' } : { kind: 'unauthorized' };
      case 409:
        return { kind: 'cursor-expired' };
      case 400:
      case 413:
        return { kind: 'refused', status: response.status, message };
      default:
        return {
          kind: 'retryable',
          status: response.status,
          message: `HTTP ${response.status}: ${message}`,
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), ctx.now()),
        };
    }
  } catch (error) {
    return { kind: 'retryable', message: `network error: ${errorText(error)}` };
  } finally {
    ctx.clearTimeout(timer);
  }
}

/** The protocol's `{ error, details: { code } }`, or the status text for any other body. */
async function errorOf(response: Response): Promise<{ message: string; code?: unknown }> {
  try {
    const body = (await response.json()) as { error?: unknown; details?: { code?: unknown } };
    return {
      message: typeof body.error === 'string' ? body.error : response.statusText,
      code: body.details?.code,
    };
  } catch {
    return { message: response.statusText };
  }
}
