import type { PushResult } from 'swsync/schema';
import { databaseUnavailable } from '../errors.ts';
import { StoreClosedError, StoreTimeoutError } from '../store/errors.ts';
import { classifyFault } from '../store/faults.ts';
import type { SqlClient } from '../store/types.ts';
import { prepareEvent } from './prepare.ts';
import { type AppliedEvent, type ProcessContext, processEvent, seenId } from './process.ts';
import { BatchState, loadDescendants, type RecordRef, readRecords } from './state.ts';
import { isStorableId } from './storable.ts';
import type { ApplyPushOptions, CustomValidation, PreparedEvent, SyncSchema } from './types.ts';
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
  return runBatch({
    events: options.events,
    scopeKey: options.scopeKey,
    store: options.store,
    schema: options.schema,
    customValidation: options.customValidation,
    clientId,
    ledger: 'events',
    maxAttempts: options.maxAttempts ?? 4,
  });
}

export interface BatchOptions
  extends Required<Pick<ApplyPushOptions, 'events' | 'scopeKey' | 'store' | 'schema'>> {
  customValidation: CustomValidation | undefined;
  clientId: string | null;
  /**
   * Where idempotency keys live: client event ids (`events`; every event has one, its id) or
   * server writes' keys (`server-writes`; `keyOf` gives each write's key or null).
   */
  ledger: Ledger;
  keyOf?: (index: number) => string | null;
  maxAttempts: number;
}

/** The shared path of client pushes and server-side writes. */
export async function runBatch(options: BatchOptions): Promise<PushResult[]> {
  const results: (PushResult | undefined)[] = [];
  const prepared: PreparedEvent[] = [];
  options.events.forEach((input, index) => {
    const outcome = prepareEvent(input, index, options.schema, options.scopeKey);
    if ('error' in outcome) results[index] = outcome;
    else prepared.push(options.keyOf ? { ...outcome, ledgerKey: options.keyOf(index) } : outcome);
  });
  if (prepared.length === 0) return results as PushResult[];
  // After a lost connection the COMMIT may have gone through: trying again is only safe when
  // every event would be recognised as applied, i.e. has a ledger key.
  const safeAfterLoss = prepared.every((ev) => ev.ledgerKey !== null);

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

/** The transaction body: a handful of statements whatever the batch size. */
async function decide(
  tx: SqlClient,
  options: BatchOptions,
  prepared: readonly PreparedEvent[],
): Promise<Map<number, PushResult>> {
  const scopes = [...new Set(prepared.map((ev) => ev.scope))];
  const initialCounters = await lockScopes(tx, scopes);

  const seen = new Map<string, AppliedEvent>();
  const keys = prepared.flatMap((ev) =>
    ev.ledgerKey === null ? [] : [{ scope: ev.scope, eventId: ev.ledgerKey }],
  );
  for (const row of await readAppliedEvents(tx, options.ledger, keys)) {
    seen.set(seenId(row.scope, row.eventId), row);
  }

  const state = new BatchState();
  const refs: RecordRef[] = [];
  const cascadeRoots: RecordRef[] = [];
  for (const ev of prepared) {
    refs.push({ model: ev.modelName, key: ev.keyText });
    if (ev.newParent) refs.push({ model: ev.newParent.model, key: ev.newParent.keyText });
    // Deleted records start cascades; records given a parent (a move, or a create that upserts
    // an existing record) may bring their stored children under a parent deleted later on.
    if (ev.operation === 'delete' || ev.newParent) {
      cascadeRoots.push({ model: ev.modelName, key: ev.keyText });
    }
  }
  for (const row of await readRecords(tx, dedupe(refs))) state.load(row);
  await loadDescendants(tx, state, cascadeRoots, maxDepth(options.schema));

  const ctx: ProcessContext = {
    schema: options.schema,
    state,
    counters: new Map(initialCounters),
    seen,
    customValidation: options.customValidation,
    clientId: options.clientId,
    clientEvents: options.ledger === 'events',
  };
  const results = new Map<number, PushResult>();
  const remembered: AppliedEvent[] = [];
  for (const ev of prepared) {
    const { result, remember } = await processEvent(ctx, ev);
    results.set(ev.index, result);
    if (remember) {
      // A repeat of the same id later in this batch answers like a repeat from an earlier one.
      seen.set(seenId(remember.scope, remember.eventId), remember);
      remembered.push(remember);
    }
  }
  await writeBatch(tx, {
    rows: state.changedRows(),
    ledger: options.ledger,
    appliedEvents: remembered,
    counters: ctx.counters,
    initialCounters,
  });
  return results;
}

function dedupe(refs: readonly RecordRef[]): RecordRef[] {
  const byId = new Map(refs.map((ref) => [JSON.stringify([ref.model, ref.key]), ref]));
  return [...byId.values()];
}

function maxDepth(schema: SyncSchema): number {
  return Math.max(...schema.modelNames.map((name) => schema.ownershipChain(name).length));
}
