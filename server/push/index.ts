export { applyPush } from './apply-push.ts';
export { applyServerWrites } from './server-writes.ts';
export type {
  ApplyPushOptions,
  ApplyServerWritesOptions,
  CustomValidation,
  CustomValidationContext,
  PushEventInput,
  ScopeKey,
  ServerWrite,
  SyncSchema,
} from './types.ts';
