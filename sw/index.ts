export * from './engine/index.ts';
export {
  AccountMismatchError,
  EngineClosedError,
  EngineError,
  type EngineErrorCode,
  RecordNotFoundError,
  ReservedModelNameError,
  UnknownDatabaseError,
  UnknownModelError,
  type ValidationIssue,
  WriteValidationError,
} from './errors.ts';
export * from './host/index.ts';
export * from './store/index.ts';
export {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  MAX_TIMER_MS,
  nextRetryDelay,
  parseRetryAfter,
  timerDelay,
} from './sync/backoff.ts';
export { applyEvent } from './sync/replay.ts';
export type { WriteResults } from './write/apply-writes.ts';
