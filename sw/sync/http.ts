import { ACCOUNT_MISMATCH } from 'swsync/schema';
import type { ZodMiniType } from 'zod/mini';
import { errorText } from '../errors.ts';
import { parseRetryAfter } from './backoff.ts';
import type { SyncContext, SyncFailure } from './context.ts';

/** What one POST to a sync route came to. */
export type HttpOutcome<T> =
  | { kind: 'ok'; body: T }
  | SyncFailure
  /**
   * The server could not take this request as it is: a 413 (from the server or a proxy: a
   * size limit either way), or a 400 carrying the protocol's `{ error }` body. The caller may
   * split it. A 400 without that body (a proxy's or firewall's page) is retryable instead:
   * it says nothing about the events.
   */
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'cursor-expired' }
  /** The body could not be serialised (a bigint, a cycle): nothing was sent. */
  | { kind: 'unsendable'; message: string };

/**
 * POSTs JSON to `${endpoint}${path}` and classifies the answer. Never throws for network or
 * server faults: those are outcomes the sync loop decides on. A network error while the
 * browser says it is offline is `offline` (not a failure worth a retry count).
 */
export async function postJson<T>(
  ctx: SyncContext,
  path: string,
  body: unknown,
  schema: ZodMiniType<T>,
): Promise<HttpOutcome<T>> {
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    // A local fault, not the network's: retrying cannot help, so it is not a retryable outcome.
    return { kind: 'unsendable', message: errorText(error) };
  }
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
      body: json,
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
    const protocolError = await readProtocolError(response);
    const message = protocolError?.error ?? (response.statusText || 'no error body');
    switch (response.status) {
      case 401:
        return { kind: 'unauthorized' };
      case 409:
        return { kind: 'cursor-expired' };
    }
    // A 400, 403 or 413 speaks of the events or the account only in the protocol's own body. The
    // same status from a proxy, a gateway or a firewall (an HTML page, a framework's JSON)
    // says nothing about them: it is a failure to retry, never a reason to drop a write.
    if (protocolError === null && [400, 403, 413].includes(response.status)) {
      return {
        kind: 'retryable',
        status: response.status,
        message: `HTTP ${response.status} without the sync protocol's error body: ${message}`,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), ctx.now()),
      };
    }
    switch (response.status) {
      case 403:
        return protocolError?.code === ACCOUNT_MISMATCH
          ? { kind: 'account-mismatch' }
          : { kind: 'unauthorized' };
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

/**
 * The protocol's `{ error: string, details?: unknown }` body — exactly those keys — or null for
 * anything else: a proxy's page, an empty body, a gateway's `{ timestamp, status, error, path }`.
 */
async function readProtocolError(
  response: Response,
): Promise<{ error: string; code: unknown } | null> {
  try {
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
    const { error, details, ...rest } = body as { error?: unknown; details?: unknown };
    if (typeof error !== 'string' || Object.keys(rest).length > 0) return null;
    const code =
      typeof details === 'object' && details !== null
        ? (details as { code?: unknown }).code
        : undefined;
    return { error, code };
  } catch {
    return null;
  }
}
