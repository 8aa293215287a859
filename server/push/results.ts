import type { PushErrorType, PushResult } from 'swsync/schema';

/** A rejection. Every built-in rejection is final: retrying the same event fails the same way. */
export function rejected(
  id: string,
  type: PushErrorType,
  message: string,
  extra: { record?: Record<string, unknown> | null; version?: number } = {},
): PushResult {
  return {
    id,
    appliedChangelogId: null,
    error: { type, message, retryable: false },
    ...extra,
  };
}

/**
 * A success; `appliedChangelogId` null when the event changed nothing. `record` (always null)
 * only on a repeated event whose record is gone since its first answer (see processEvent).
 */
export function applied(
  id: string,
  appliedChangelogId: string | null,
  version: number | undefined,
  extra: { record?: null } = {},
): PushResult {
  const result: PushResult = { id, appliedChangelogId, error: null, ...extra };
  if (version !== undefined) result.version = version;
  return result;
}
