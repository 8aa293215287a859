import * as z from 'zod/mini';
import { jsonObjectSchema } from './own-keys.ts';
import './zod-locale.ts';

/** Bumped whenever the wire contract (PROTOCOL.md) changes incompatibly. */
export const PROTOCOL_VERSION = 1;

/**
 * Request header naming the account a local database belongs to (docs/protocol.md,
 * "Accounts"). When present and the credentials are another account's, every route answers
 * 403 with {@link ACCOUNT_MISMATCH}; absent, a request is served as in v1.
 */
export const ACCOUNT_HEADER = 'swsync-account';

/** Longest account id the header may carry (UTF-16 units). */
export const ACCOUNT_MAX_LENGTH = 256;

/** Whether `account` is an id the account header can carry: 1 to 256 UTF-16 units. */
export function isAccountId(account: string): boolean {
  return account.length > 0 && account.length <= ACCOUNT_MAX_LENGTH;
}

/**
 * Throws a `RangeError` for an account id the header cannot carry; engines, hosts and pages
 * check with this before they bind a database to it.
 *
 * @example
 * checkAccount(userId); // throws for '' or a 257-character id
 */
export function checkAccount(account: string): void {
  if (!isAccountId(account)) {
    throw new RangeError(`an account id holds 1 to ${ACCOUNT_MAX_LENGTH} characters`);
  }
}

/** `details.code` of the 403 answer to a request whose credentials are another account's. */
export const ACCOUNT_MISMATCH = 'ACCOUNT_MISMATCH';

export const OPERATIONS = ['create', 'update', 'delete'] as const;
export const operationSchema = z.enum(OPERATIONS);
export type Operation = z.infer<typeof operationSchema>;

export const keyPathSchema = z.array(z.union([z.string(), z.number()]));
export type KeyPath = z.infer<typeof keyPathSchema>;

// Never copied (see jsonObjectSchema): the server's strict model check judges the payload as sent.
const jsonObject = jsonObjectSchema;

/**
 * A client mutation. Unknown bookkeeping fields (tries, lastError, synced...) are accepted and
 * stripped; `payload` is checked against the model by the server, not here.
 */
export const outboxEventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  entityType: z.string(),
  entityKeyPath: z.optional(keyPathSchema),
  operation: operationSchema,
  payload: z.union([jsonObject, z.array(z.unknown()), z.null()]),
  baseVersion: z.optional(z.nullable(z.number())),
  createdAt: z.string(),
});
export type OutboxEvent = z.infer<typeof outboxEventSchema>;

/**
 * Outbox counters (docs/protocol.md, "Outbox counters"): the id of one local outbox (random,
 * made with the local database, never reused) and, on each event, its `outboxSeq`.
 */
export const OUTBOX_ID_MAX_LENGTH = 256;

/** The route-level shape of a push: anything finer is judged per event. */
export const pushRequestSchema = z.object({
  events: z.array(z.looseObject({ id: z.string() })),
  clientId: z.optional(z.string()),
  /** Outbox counters: set, every event carries an `outboxSeq`, strictly increasing. */
  outboxId: z.optional(z.string().check(z.minLength(1), z.maxLength(OUTBOX_ID_MAX_LENGTH))),
  /**
   * Outbox counters: the oldest `outboxSeq` still queued on the client (everything below it
   * is settled there); the server forgets the results it kept for events below it.
   */
  outboxFront: z.optional(z.number().check(z.int(), z.minimum(1))),
});
export type PushRequest = {
  events: (OutboxEvent & { outboxSeq?: number })[];
  clientId?: string;
  outboxId?: string;
  outboxFront?: number;
};

export const PUSH_ERROR_TYPES = [
  'INVALID_MODEL',
  'UNKNOWN_OPERATION',
  'RECORD_VALIDATION_FAILURE',
  'MISSING_PARENT',
  'SCOPE_VIOLATION',
  'CONFLICT',
  'CUSTOM_VALIDATION_FAILED',
  // Shared spaces (docs/protocol.md, "Spaces"): the caller may read the scope but not write it.
  'FORBIDDEN_ROLE',
  // Never sent by the server: the engine's rejection of a pending write into a scope the
  // account lost.
  'SCOPE_REVOKED',
] as const;
export const pushErrorTypeSchema = z.enum(PUSH_ERROR_TYPES);
export type PushErrorType = z.infer<typeof pushErrorTypeSchema>;

export const pushErrorSchema = z.object({
  type: pushErrorTypeSchema,
  message: z.string(),
  retryable: z.boolean(),
});
export type PushError = z.infer<typeof pushErrorSchema>;

export const pushResultSchema = z.object({
  id: z.string(),
  appliedChangelogId: z.nullable(z.string()),
  error: z.nullable(pushErrorSchema),
  record: z.optional(z.nullable(jsonObject)),
  version: z.optional(z.number()),
  /**
   * Outbox counters only: the event was applied or refused before, and its first result is no
   * longer kept; `record` (null: gone or not readable) and `version` are the record's current
   * state, which the client takes as its server-confirmed state.
   */
  current: z.optional(z.literal(true)),
});
export type PushResult = z.infer<typeof pushResultSchema>;
export const pushResponseSchema = z.array(pushResultSchema);

export const PULL_LIMIT_DEFAULT = 500;
export const PULL_LIMIT_MAX = 1000;

/**
 * Response header of every pull when the server offers shared spaces (docs/protocol.md,
 * "Spaces"): value `1`. A client may then pull with `spaces: true`.
 */
export const SPACES_HEADER = 'swsync-spaces';

export const pullRequestSchema = z.object({
  lastChangelogId: z.optional(z.nullable(z.string())),
  /** Spaces: every scope of the account in one pull, under one cursor. */
  spaces: z.optional(z.boolean()),
  limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(PULL_LIMIT_MAX))),
});
export type PullRequest = z.infer<typeof pullRequestSchema>;

export const logWithRecordSchema = z.object({
  id: z.string(),
  model: z.string(),
  keyPath: keyPathSchema,
  operation: operationSchema,
  record: z.nullable(jsonObject),
  version: z.number(),
  eventId: z.nullable(z.string()),
  clientId: z.nullable(z.string()),
});
export type LogWithRecord = z.infer<typeof logWithRecordSchema>;

export const pullResponseSchema = z.object({
  cursor: z.nullable(z.string()),
  hasMore: z.boolean(),
  logsWithRecords: z.array(logWithRecordSchema),
  /**
   * On the first page of a full pull only: how many entries the whole pull holds, as of that
   * page (commits made meanwhile may add a few). For progress ("1,200 of 10,000").
   */
  total: z.optional(z.number().check(z.int(), z.nonnegative())),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

/** Roles of shared spaces (docs/protocol.md, "Spaces"). */
export const SPACE_ROLES = ['owner', 'editor', 'viewer'] as const;
/** An account's role in a shared scope: `viewer`s may read but not write. */
export type SpaceRole = (typeof SPACE_ROLES)[number];

/** The answer to a pull with `spaces: true` (docs/protocol.md, "Spaces"). */
export const spacesPullResponseSchema = z.object({
  cursor: z.string(),
  hasMore: z.boolean(),
  logsWithRecords: z.array(z.extend(logWithRecordSchema, { scope: z.string() })),
  revokedScopes: z.array(z.string()),
  roles: z.record(z.string(), z.enum(SPACE_ROLES)),
  syncingScopes: z.array(z.string()),
  /** As v1's: on the first page of a full pull only, the entries of all the account's scopes. */
  total: z.optional(z.number().check(z.int(), z.nonnegative())),
});
export type SpacesPullResponse = z.infer<typeof spacesPullResponseSchema>;

/** The body of every non-200 answer. */
export const errorBodySchema = z.object({ error: z.string(), details: z.optional(z.unknown()) });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The SSE event name that tells a client to pull. */
export const POKE_EVENT = 'poke';
export const pokeDataSchema = z.object({ cursor: z.string() });
export type PokeData = z.infer<typeof pokeDataSchema>;

/** Type guard for a rejected push result. */
export function isRejected(
  result: PushResult,
): result is PushResult & { error: PushError; appliedChangelogId: null } {
  return result.error !== null;
}
