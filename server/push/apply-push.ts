import type { PushResult } from 'swsync/schema';
import { databaseUnavailable } from '../errors.ts';
import { rolesOf } from '../spaces/roles.ts';
import { StoreClosedError, StoreTimeoutError } from '../store/errors.ts';
import { classifyFault } from '../store/faults.ts';
import { pipeline } from '../store/pipeline.ts';
import type { SqlClient } from '../store/types.ts';
import { type KeptResult, lockOutbox, type OutboxCounter } from './outbox-counter.ts';
import { prepareEvent } from './prepare.ts';
import { type AppliedEvent, type ProcessContext, processEvent, seenId } from './process.ts';
import { BatchState, loadDescendants, type RecordRef, readRecords, readScopes } from './state.ts';
import { isStorableId } from './storable.ts';
import type {
  ApplyPushOptions,
  CustomValidation,
  PreparedEvent,
  ScopeKey,
  SyncSchema,
} from './types.ts';
import { type Ledger, lockScopes, readAppliedEvents, WriteRaceError, writeBatch } from './write.ts';

/**
 * Applies a batch of client events in one transaction and returns one result per event, in
 * request order (PROTOCOL.md, Push). Rejections are results, not errors; the only errors are
 * `ServerError('UNAVAILABLE')` when the database fails (nothing applied: retry later) and bugs.
 *
 * @example
 * const results = await applyPush({ events, scopeKey: userId, store, schema, clientId });
 */
export async function applyPush(options: ApplyPushOptions): Promise<PushResult[]> {
  const clientId =
    typeof options.clientId === 'string' && isStorableId(options.clientId)
      ? options.clientId
      : null;
  const rule = scopeRule(options);
  const outbox = options.outbox ? outboxCounter(options, rule) : undefined;
  return runBatch({
    events: options.events,
    ...rule,
    store: options.store,
    schema: options.schema,
    customValidation: options.customValidation,
    clientId,
    ledger: 'events',
    ...(outbox ? { outbox } : {}),
    maxAttempts: options.maxAttempts ?? 4,
  });
}

/** The outbox counter of a push, its events' `outboxSeq` checked (a TypeError otherwise). */
function outboxCounter(
  options: ApplyPushOptions,
  rule: { scopeKey: ScopeKey; account: string | undefined },
): OutboxCounter {
  const outbox = options.outbox!;
  if (typeof outbox.id !== 'string' || !isStorableId(outbox.id)) {
    throw new TypeError('outbox.id must be a string of 1..256 storable characters');
  }
  const owner =
    rule.account ?? outbox.owner ?? (typeof rule.scopeKey === 'string' ? rule.scopeKey : null);
  if (typeof owner !== 'string' || owner === '') {
    throw new TypeError('outbox.owner is needed with a function scopeKey');
  }
  let previous = 0;
  for (const event of options.events) {
    const seq = event.outboxSeq;
    if (!isOutboxSeq(seq) || seq <= previous) {
      throw new TypeError('every event needs an outboxSeq, strictly increasing');
    }
    previous = seq;
  }
  const first = options.events[0]?.outboxSeq as number | undefined;
  const front = outbox.front ?? first ?? 1;
  if (!isOutboxSeq(front)) throw new TypeError('outbox.front must be a positive safe integer');
  // A front above the first event would forget results the client is still asking about.
  return { owner, id: outbox.id, front: first === undefined ? front : Math.min(front, first) };
}

/** Whether `value` can be an `outboxSeq` (or an `outboxFront`): a positive safe integer. */
export function isOutboxSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** The scope rule of a push or of server writes: v1's `scopeKey`, or the spaces `account`. */
export function scopeRule(options: Pick<ApplyPushOptions, 'scopeKey' | 'account'>): {
  scopeKey: ScopeKey;
  account: string | undefined;
} {
  if (options.account !== undefined) {
    if (typeof options.account !== 'string' || options.account === '') {
      throw new TypeError('account must be a non-empty string');
    }
    // Every event starts in the personal scope; the batch resolves the real one.
    return { scopeKey: options.account, account: options.account };
  }
  if (options.scopeKey === undefined) throw new TypeError('give scopeKey or account');
  return { scopeKey: options.scopeKey, account: undefined };
}

export interface BatchOptions
  extends Required<Pick<ApplyPushOptions, 'events' | 'store' | 'schema'>> {
  scopeKey: ScopeKey;
  /** Set: spaces rules (scope per record, memberships checked, ledger keyed by account). */
  account: string | undefined;
  customValidation: CustomValidation | undefined;
  clientId: string | null;
  /**
   * Where idempotency keys live: client event ids (`events`; every event has one, its id) or
   * server writes' keys (`server-writes`; `keyOf` gives each write's key or null).
   */
  ledger: Ledger;
  keyOf?: (index: number) => string | null;
  /** Outbox counters: idempotency by the outbox's row instead of the ledger (events only). */
  outbox?: OutboxCounter;
  maxAttempts: number;
}

/** The shared path of client pushes and server-side writes. */
export async function runBatch(options: BatchOptions): Promise<PushResult[]> {
  const results: (PushResult | undefined)[] = [];
  const prepared: PreparedEvent[] = [];
  options.events.forEach((input, index) => {
    const outcome = prepareEvent(input, index, options.schema, options.scopeKey);
    if ('error' in outcome) results[index] = outcome;
    else if (options.outbox) {
      // Remembered by the outbox's counter, not by event id.
      prepared.push({ ...outcome, ledgerKey: null, outboxSeq: input.outboxSeq as number });
    } else prepared.push(options.keyOf ? { ...outcome, ledgerKey: options.keyOf(index) } : outcome);
  });
  if (prepared.length === 0) return results as PushResult[];
  // After a lost connection the COMMIT may have gone through: trying again is only safe when
  // every event would be recognised as applied, i.e. has a ledger key or an outbox counter.
  const safeAfterLoss = prepared.every((ev) => ev.ledgerKey !== null || ev.outboxSeq !== null);

  for (let attempt = 1; ; attempt++) {
    try {
      const decided = await options.store.transaction((tx) => decide(tx, options, prepared));
      for (const [index, result] of decided) results[index] = result;
      return results as PushResult[];
    } catch (error) {
      const kind = error instanceof WriteRaceError ? 'retry' : classifyFault(error);
      if (kind === 'other') throw error;
      // A lost connection is worth another try on a fresh one. Safe even if the COMMIT went
      // through before the loss: the retry finds the event ids applied and repeats the results.
      // A race or serialization failure always rolled back, so it is retried in any case.
      // Not a closed store, nor a missed deadline: another full wait would only make the
      // client's request time out; it retries after its own backoff.
      const retryable =
        kind === 'retry' ||
        (kind === 'unavailable' &&
          safeAfterLoss &&
          !(error instanceof StoreClosedError) &&
          !(error instanceof StoreTimeoutError));
      if (retryable && attempt < options.maxAttempts) {
        // Full jitter: two racing batches should not collide again on the retry.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        continue;
      }
      throw databaseUnavailable({ reason: kind });
    }
  }
}

/**
 * The transaction body: a handful of statements whatever the batch size, sent in two or three
 * pipelined rounds (under spaces rules one more, to find the scopes). The reads go out right
 * behind the scope locks, on the same connection, so each starts after the locks are held.
 */
async function decide(
  tx: SqlClient,
  options: BatchOptions,
  prepared: readonly PreparedEvent[],
): Promise<Map<number, PushResult>> {
  const refs = dedupe(
    prepared.flatMap((ev) => [
      { model: ev.modelName, key: ev.keyText },
      ...(ev.newParent ? [{ model: ev.newParent.model, key: ev.newParent.keyText }] : []),
    ]),
  );
  let scopes = [...new Set(prepared.map((ev) => ev.scope))];
  if (options.account !== undefined) {
    // The scopes this batch may write are those of its records and parents, read before they
    // are locked: a share moving one of them in between is caught after the lock (the scope
    // resolved then is not locked) and the batch is retried.
    scopes.push(...(await readScopes(tx, refs)));
    scopes = [...new Set(scopes)];
  }
  const keys = prepared.flatMap((ev) =>
    ev.ledgerKey === null ? [] : [{ scope: ev.ledgerScope, eventId: ev.ledgerKey }],
  );
  // The outbox's row is locked after the scopes: whoever holds it holds its scopes already,
  // so two batches can never wait on each other in a cycle.
  const [locked, roles, outbox, appliedRows, recordRows] = await pipeline([
    lockScopes(tx, scopes),
    options.account === undefined
      ? Promise.resolve(undefined)
      : rolesOf(tx, options.account, scopes),
    options.outbox ? lockOutbox(tx, options.outbox) : Promise.resolve(undefined),
    readAppliedEvents(tx, options.ledger, keys),
    readRecords(tx, refs),
  ]);
  const initialCounters = new Map([...locked].map(([scope, row]) => [scope, row.seq]));
  const seen = new Map<string, AppliedEvent>();
  for (const row of appliedRows) seen.set(seenId(row.scope, row.eventId), row);

  const state = new BatchState();
  const cascadeRoots: RecordRef[] = [];
  for (const ev of prepared) {
    // Deleted records start cascades; records given a parent (a move, or a create that upserts
    // an existing record) may bring their stored children under a parent deleted later on.
    if (ev.operation === 'delete' || ev.newParent) {
      cascadeRoots.push({ model: ev.modelName, key: ev.keyText });
    }
  }
  for (const row of recordRows) state.load(row);
  await loadDescendants(tx, state, cascadeRoots, options.schema, maxDepth(options.schema));

  const ctx: ProcessContext = {
    schema: options.schema,
    state,
    counters: new Map(initialCounters),
    seen,
    customValidation: options.customValidation,
    clientId: options.clientId,
    clientEvents: options.ledger === 'events',
    outbox,
    spaces:
      options.account === undefined || roles === undefined
        ? undefined
        : {
            account: options.account,
            roles,
            owners: new Map([...locked].map(([scope, row]) => [scope, row.owner])),
          },
  };
  const results = new Map<number, PushResult>();
  const remembered: AppliedEvent[] = [];
  const kept = new Map<number, KeptResult>();
  for (const ev of prepared) {
    const { result, remember, appliedAs } = await processEvent(ctx, ev);
    results.set(ev.index, result);
    if (remember) {
      // A repeat of the same id later in this batch answers like a repeat from an earlier one.
      seen.set(seenId(remember.scope, remember.eventId), remember);
      remembered.push(remember);
    }
    if (outbox && ev.outboxSeq !== null && ev.outboxSeq > outbox.last) {
      kept.set(ev.outboxSeq, keptResult(result, appliedAs));
    }
  }
  await writeBatch(tx, {
    rows: state.changedRows(),
    ledger: options.ledger,
    appliedEvents: remembered,
    counters: ctx.counters,
    initialCounters,
    ...(options.outbox && outbox && kept.size > 0
      ? {
          outbox: {
            counter: options.outbox,
            last: Math.max(outbox.last, ...kept.keys()),
            kept: new Map([...outbox.kept, ...kept]),
          },
        }
      : {}),
  });
  return results;
}

/** What the outbox keeps of a processed event's result (a rejection: without its record). */
function keptResult(
  result: PushResult,
  appliedAs: { seq: number | null; version: number | null } | undefined,
): KeptResult {
  if (result.error === null) {
    return { kind: 'applied', seq: appliedAs?.seq ?? null, version: appliedAs?.version ?? null };
  }
  return {
    kind: 'refused',
    type: result.error.type,
    message: result.error.message,
    withRecord: result.record !== undefined,
  };
}

function dedupe(refs: readonly RecordRef[]): RecordRef[] {
  const byId = new Map(refs.map((ref) => [`${ref.model.length}:${ref.model}${ref.key}`, ref]));
  return [...byId.values()];
}

function maxDepth(schema: SyncSchema): number {
  return Math.max(...schema.modelNames.map((name) => schema.ownershipChain(name).length));
}
