import {
  type KeyValue,
  keyFromPath,
  type LogWithRecord,
  type PullResponse,
  pullResponseSchema,
  type Rejection,
  type Schema,
  type SpacesPullResponse,
  spacesPullResponseSchema,
} from 'swsync/schema';
import {
  type AppliedCascade,
  type BaseRow,
  META_KEYS,
  type ResyncRow,
  refId,
  STORES,
  type VersionRow,
} from '../store/layout.ts';
import { addChange, type ChangedKeys, type SyncContext, type SyncOutcome } from './context.ts';
import { type HttpOutcome, postJson } from './http.ts';
import { commitNow, rawTransaction, results } from './raw-requests.ts';
import { getVersion, putVersion, rebaseRecord, type WriteTx } from './replay.ts';
import { appliedBeforeRevocation } from './revoked-fate.ts';
import { settleCascade } from './settle-cascade.ts';
import { removeRevokedScopes, scopeSyncProgress, updateRoles } from './spaces.ts';

/** A v1 page, or a spaces page (whose entries name their scope). */
type Page = PullResponse | SpacesPullResponse;
type PageLog = LogWithRecord & { scope?: string };

/**
 * Pulls page after page while the server says `hasMore`. Each page, its cursor and the rebase
 * of pending local events on the new server state commit in ONE IndexedDB transaction, so a
 * crash between pages resumes from the last committed cursor with nothing applied twice.
 * A pull from no cursor (the first one, or after a 409 cursor expired) is a full resync:
 * everything is pulled again, pending local events stay on top, and local records the server
 * no longer has are dropped when the last page is in.
 *
 * @example
 * const outcome = await pullChanges(ctx); // { kind: 'done' } once up to date
 */
export async function pullChanges(ctx: SyncContext): Promise<SyncOutcome> {
  let restarted = false;
  /** The next page, asked for while the last one was being stored. */
  let ahead = null as Ahead | null;
  for (;;) {
    if (ctx.now() >= ctx.deadline) return { kind: 'budget' };
    const cursor =
      ((await ctx.db.get(STORES.meta, META_KEYS.cursor)) as string | undefined) ?? null;
    // Every pull from nothing is a full pull, the first one of a database included: what it
    // does not bring back, the server no longer has (a record created here whose push answer
    // was lost, deleted elsewhere and purged, would otherwise stay forever).
    if (cursor === null && !(await isResyncing(ctx))) await startResync(ctx);
    // Taken only if the stored cursor is the one it was asked with (the page did commit).
    const answer: HttpOutcome<Page> = await (ahead?.cursor === cursor
      ? ahead.answer
      : requestPage(ctx, cursor));
    ahead = null;
    switch (answer.kind) {
      case 'ok': {
        // The network and the server work on the next page while this one is stored.
        const next: string | null = answer.body.cursor;
        if (answer.body.hasMore && next !== null) {
          ahead = { cursor: next, answer: requestPage(ctx, next) };
        }
        // A full pull (no cursor yet, or a resync) reports progress on every page, and so
        // does the pull of a scope newly granted (spaces).
        // Spaces: the fate of pending events into lost scopes first (nothing stored yet).
        const fate =
          'revokedScopes' in answer.body
            ? await appliedBeforeRevocation(ctx, answer.body.revokedScopes)
            : { kind: 'done' as const, applied: new Set<string>() };
        if (fate.kind !== 'done') return fate;
        const progress = await applyPullPage(ctx, answer.body, fate.applied);
        if (progress !== null) ctx.onPullProgress(progress.received, progress.total);
        if (!answer.body.hasMore) return { kind: 'done' };
        break;
      }
      case 'cursor-expired':
        if (restarted) return { kind: 'retryable', status: 409, message: 'cursor expired twice' };
        restarted = true;
        await startResync(ctx);
        break;
      case 'refused':
        // 400 to a cursor: this server never issued it (its database was replaced, or the
        // endpoint moved). Starting over is the only way forward; pending events are kept.
        if (answer.status === 400 && cursor !== null && !restarted) {
          restarted = true;
          await startResync(ctx);
          break;
        }
        return { kind: 'retryable', status: answer.status, message: answer.message };
      case 'unsendable':
        // A cursor and a limit always serialise; kept total for the type.
        return { kind: 'retryable', message: answer.message };
      default:
        return answer;
    }
  }
}

/** A page requested before the last one was stored, and the cursor it was requested with. */
interface Ahead {
  cursor: string;
  answer: Promise<HttpOutcome<Page>>;
}

/** One pull request from `cursor`; never rejects (see postJson). */
function requestPage(ctx: SyncContext, cursor: string | null): Promise<HttpOutcome<Page>> {
  return ctx.spaces
    ? postJson(
        ctx,
        '/pull',
        { spaces: true, lastChangelogId: cursor, limit: ctx.pullLimit },
        spacesPullResponseSchema,
      )
    : postJson(ctx, '/pull', { lastChangelogId: cursor, limit: ctx.pullLimit }, pullResponseSchema);
}

async function isResyncing(ctx: SyncContext): Promise<boolean> {
  return (await ctx.db.get(STORES.meta, META_KEYS.resyncing)) === true;
}

/**
 * Forgets the cursor and starts counting which records the server still has; on a database
 * with no records (a first sync) there is nothing to count against. Such a database must hold
 * no `versions` row either to count as fresh: a fresh pull reads none (see KnownVersions).
 */
async function startResync(ctx: SyncContext): Promise<void> {
  const models = ctx.schema.modelNames;
  const counted = [...models, STORES.base, STORES.versions];
  const tx = ctx.db.transaction([...counted, STORES.meta, STORES.resync], 'readwrite');
  const meta = tx.objectStore(STORES.meta);
  const counts = await Promise.all(counted.map((name) => tx.objectStore(name).count()));
  await Promise.all([
    meta.delete(META_KEYS.cursor),
    meta.put(true, META_KEYS.resyncing),
    counts.every((n) => n === 0)
      ? meta.put(true, META_KEYS.resyncFresh)
      : meta.delete(META_KEYS.resyncFresh),
    meta.put(0, META_KEYS.fullPullReceived),
    meta.delete(META_KEYS.fullPullTotal),
    tx.objectStore(STORES.resync).clear(),
  ]);
  await tx.done;
}

/**
 * One page of pulled entries, the cursor and the rebases: one transaction. Returns how many
 * entries the full pull under way has received so far, and how many it holds in all (when the
 * server said), or null when this is no full pull. A spaces page first removes the scopes the
 * account lost (before its entries: a scope granted again comes back from its start), and
 * keeps the roles, in the same transaction; pending events into those scopes whose id is in
 * `applied` (the server said so) are dropped without a rejection.
 */
async function applyPullPage(
  ctx: SyncContext,
  page: Page,
  applied: ReadonlySet<string>,
): Promise<FullPullProgress | null> {
  const models = ctx.schema.modelNames;
  const tx = ctx.db.transaction(
    [...models, STORES.outbox, STORES.base, STORES.versions, STORES.meta, STORES.resync],
    'readwrite',
  ) as WriteTx;
  const meta = tx.objectStore(STORES.meta);
  const changes: ChangedKeys = new Map();
  const [resyncing, fresh, receivedBefore, totalBefore] = await Promise.all([
    meta.get(META_KEYS.resyncing).then((v) => v === true),
    meta.get(META_KEYS.resyncFresh).then((v) => v === true),
    meta.get(META_KEYS.fullPullReceived) as Promise<number | undefined>,
    meta.get(META_KEYS.fullPullTotal) as Promise<number | undefined>,
  ]);
  const entries: Entry[] = [];
  const logs: readonly PageLog[] = page.logsWithRecords;
  for (const log of logs) {
    const key = keyFromPath(log.keyPath);
    // An entry of a model this client does not know (a newer server) is not ours to store.
    if (key !== undefined && ctx.schema.getModel(log.model)) entries.push({ log, key });
  }
  const writes: Promise<unknown>[] = [];
  if (resyncing && !fresh) {
    const resync = tx.objectStore(STORES.resync);
    for (const { log, key } of entries) {
      writes.push(resync.put({ model: log.model, key } satisfies ResyncRow));
    }
  }
  let revoked: Rejection[] = [];
  let roles: Awaited<ReturnType<typeof updateRoles>> | null = null;
  if ('revokedScopes' in page) {
    revoked = await removeRevokedScopes(tx, ctx.schema, page.revokedScopes, changes, applied);
    roles = await updateRoles(tx, page);
  }
  const scopeProgress =
    !resyncing && roles && 'roles' in page
      ? await scopeSyncProgress(tx, roles.before, page, entries)
      : null;
  // A first sync into an empty database (v1: one scope's changelog) cannot meet a version
  // older than one stored: see applyEntries.
  const known = resyncing && fresh && !('revokedScopes' in page) ? 'none-newer' : 'read';
  await applyEntries(tx, ctx.schema, entries, changes, resyncing, known);
  if (page.cursor !== null) writes.push(meta.put(page.cursor, META_KEYS.cursor));
  let progress: FullPullProgress | null =
    scopeProgress === null ? null : { received: scopeProgress, total: null };
  if (resyncing) {
    const received = (receivedBefore ?? 0) + page.logsWithRecords.length;
    const pageTotal = 'total' in page ? page.total : undefined;
    progress = { received, total: pageTotal ?? totalBefore ?? null };
    writes.push(meta.put(received, META_KEYS.fullPullReceived));
    if (pageTotal !== undefined) writes.push(meta.put(pageTotal, META_KEYS.fullPullTotal));
  }
  if (!page.hasMore) await settleAppliedCascades(tx, ctx.schema, changes);
  if (resyncing && !page.hasMore) await finishResync(tx, models, changes, fresh);
  // Everything is asked: the commit need not wait for the page's answers to come back first.
  commitNow(tx);
  await Promise.all([...writes, tx.done]);
  if (changes.size > 0) ctx.onChange(changes);
  if (revoked.length > 0) ctx.onRejected(revoked);
  // The pending count changed when any event was dropped, reported or not.
  if (revoked.length > 0 || applied.size > 0) ctx.onPushed();
  if (roles?.next) ctx.onRoles(roles.next);
  return progress;
}

interface FullPullProgress {
  received: number;
  total: number | null;
}

interface Entry {
  log: PageLog;
  key: KeyValue;
}

/**
 * How a page's entries meet the stored versions. `read`: each entry's `versions` row is read,
 * and an entry older than it is stale and skipped. `none-newer`: no stored version can be newer
 * than the entry, so none is read. That holds for a full pull of one scope (v1) that started on
 * a database with no records, no `base` rows and no `versions` rows (`resyncFresh`): every
 * version stored since came from this pull or from a push answered during it. The server's
 * records table is the compacted changelog: a key appears once, at the seq of its latest
 * change, with its current state at a version that only grows (the previous one plus one; a
 * purged tombstone keeps its row). Each page is read by a statement that starts after the
 * previous page was answered and after every push this engine stored an answer of (runs are
 * one at a time, a run pushes before it pulls, and a page asked ahead dies with its pull), so
 * an entry's version is at least any version stored for its key; an equal one is the same
 * state, written again. Not so under spaces: several scopes' streams are merged and records
 * move between them, so those pages keep reading.
 *
 * Such a pull also stores no `versions` row for a record of a last-writer-wins model: half of
 * a first sync's IndexedDB writes (bench/README.md, "Initial sync"). Nothing needs one. The
 * server checks `baseVersion` only under a version-checked model, so an edit of such a record
 * goes out on `null`; every later pull brings only states newer than this snapshot; every push
 * answer and every rebase stores the version it learns (`versions`, or the `base` row, which
 * the duplicate-acknowledgement check reads). A version-checked model keeps its rows, and
 * turning a model version-checked changes the schema's hash (schema/schema.ts), so the
 * database resyncs and reads and writes a row for every record again.
 */
type KnownVersions = 'read' | 'none-newer';

/**
 * Applies a page's entries in order. IndexedDB answers requests of one transaction in the order
 * they were made, so every read the page needs is asked at once and the writes are not awaited
 * at all (a failed one aborts the transaction, which the caller awaits): a page costs a few
 * round trips instead of six per entry, and its requests go to the plain object stores, without
 * a promise each. Records with pending local events (a `base` row; few, so their keys are read
 * in one request) take the careful path, one at a time, in page order; so does a key the page
 * holds twice (no server sends that, but nothing may depend on it). A full pull announces
 * every entry as changed rather than reading each record to compare: nearly all of them are.
 */
async function applyEntries(
  tx: WriteTx,
  schema: Schema,
  entries: Entry[],
  changes: ChangedKeys,
  fullPull: boolean,
  known: KnownVersions,
): Promise<void> {
  const baseStore = tx.objectStore(STORES.base);
  const seen = new Set<string>();
  const unique = entries.every(({ log, key }) => {
    const id = refId(log.model, key);
    return !seen.has(id) && seen.add(id);
  });
  if (!unique) {
    for (const { log, key } of entries) {
      if (await applyLog(tx, log, key)) addChange(changes, log.model, key);
    }
    return;
  }
  const raw = rawTransaction(tx);
  const versions = raw.objectStore(STORES.versions);
  const storeOf = (model: string) => raw.objectStore(model);
  const [pendingKeys, versionRows, befores] = await Promise.all([
    baseStore
      .getAllKeys()
      .then((keys) => new Set(keys.map((k) => refId(...(k as [string, KeyValue]))))),
    known === 'read'
      ? results<VersionRow | undefined>(
          entries.map(({ log, key }) => versions.get([log.model, key])),
        )
      : null,
    fullPull ? null : results(entries.map(({ log, key }) => storeOf(log.model).get(key))),
  ]);
  for (const [i, { log, key }] of entries.entries()) {
    const version = versionRows?.[i];
    if (version && log.version < version.version) continue;
    if (pendingKeys.size > 0 && pendingKeys.has(refId(log.model, key))) {
      // Pending local events stay on top of the new server state.
      const base = (await baseStore.get([log.model, key])) as BaseRow;
      if (await rebaseOnto(tx, base, log)) addChange(changes, log.model, key);
      await keepScope(tx, log, key);
      continue;
    }
    const store = storeOf(log.model);
    if (log.record === null) store.delete(key);
    else store.put(log.record);
    // A record shared by its owner comes back under its new scope at the same version: only
    // the scope changes (the record is the same, so no change is announced either).
    const scope = log.scope ?? version?.scope;
    const keepsVersion =
      known === 'read' || scope !== undefined || schema.getModel(log.model)?.conflict === 'version';
    if (keepsVersion && (!version || log.version > version.version || scope !== version.scope)) {
      const row: VersionRow = { model: log.model, key, version: log.version };
      if (scope !== undefined) row.scope = scope;
      versions.put(row);
    }
    if (fullPull || JSON.stringify(befores?.[i] ?? null) !== JSON.stringify(log.record)) {
      addChange(changes, log.model, key);
    }
  }
}

/**
 * Applies one entry; false when it changes nothing. `record` is the record's current server
 * state, so an entry at or above the version we know is applied whole (our own change coming
 * back leaves the record as it is); an older one is stale and skipped.
 */
async function applyLog(tx: WriteTx, log: PageLog, key: KeyValue): Promise<boolean> {
  const known = await getVersion(tx, log.model, key);
  if (known !== null && log.version < known) return false;
  const base = (await tx.objectStore(STORES.base).get([log.model, key])) as BaseRow | undefined;
  if (base) {
    const changed = await rebaseOnto(tx, base, log);
    await keepScope(tx, log, key);
    return changed;
  }
  const store = tx.objectStore(log.model);
  const before = await store.get(key);
  if (log.record === null) await store.delete(key);
  else await store.put(log.record);
  await putVersion(tx, { model: log.model, key, version: log.version });
  await keepScope(tx, log, key);
  return JSON.stringify(before ?? null) !== JSON.stringify(log.record);
}

/** Spaces: the entry's scope is where the record lives now; its `versions` row says so. */
async function keepScope(tx: WriteTx, log: PageLog, key: KeyValue): Promise<void> {
  if (log.scope === undefined) return;
  const versions = tx.objectStore(STORES.versions);
  const row = (await versions.get([log.model, key])) as VersionRow | undefined;
  if (row?.scope === log.scope && row.version >= log.version) return;
  const version = Math.max(row?.version ?? log.version, log.version);
  await versions.put({ model: log.model, key, version, scope: log.scope } satisfies VersionRow);
}

/** A record with pending local events gets the new server state under them. */
async function rebaseOnto(tx: WriteTx, base: BaseRow, log: PageLog): Promise<boolean> {
  if (base.version !== null && log.version < base.version) return false;
  base.record = log.record;
  base.version = log.version;
  await tx.objectStore(STORES.base).put(base);
  await rebaseRecord(tx, base.model, base.key);
  return true;
}

/**
 * Drops local records the full pull did not bring back, unless local events are pending. Every
 * key is read at once: a key-by-key lookup cost two round trips per local record, seconds at
 * the end of a large initial sync. A pull that started on no records has nothing to drop:
 * whatever is here now, it brought or the person wrote meanwhile.
 */
async function finishResync(
  tx: WriteTx,
  models: readonly string[],
  changes: ChangedKeys,
  fresh: boolean,
): Promise<void> {
  const meta = tx.objectStore(STORES.meta);
  const flags = [
    META_KEYS.resyncing,
    META_KEYS.resyncFresh,
    META_KEYS.fullPullReceived,
    META_KEYS.fullPullTotal,
  ];
  await Promise.all(flags.map((flag) => meta.delete(flag)));
  if (fresh) return;
  const resync = tx.objectStore(STORES.resync);
  const [seen, pending, ...keysByModel] = await Promise.all([
    resync.getAllKeys(),
    tx.objectStore(STORES.base).getAllKeys(),
    ...models.map((model) => tx.objectStore(model).getAllKeys()),
  ]);
  const kept = new Set(
    [...seen, ...pending].map((k) => {
      const [model, key] = k as [string, IDBValidKey];
      return refId(model, key);
    }),
  );
  const deletes: Promise<unknown>[] = [];
  for (const [i, model] of models.entries()) {
    for (const key of keysByModel[i]!) {
      if (kept.has(refId(model, key))) continue;
      deletes.push(tx.objectStore(model).delete(key));
      addChange(changes, model, key as KeyValue);
    }
  }
  await Promise.all([...deletes, resync.clear()]);
}

/**
 * The pull is complete: every applied delete's cascade is settled on the state it brought
 * (the server's cascade tombstones, moves made elsewhere), then its descendants' marks go.
 */
async function settleAppliedCascades(
  tx: WriteTx,
  schema: Schema,
  changes: ChangedKeys,
): Promise<void> {
  const meta = tx.objectStore(STORES.meta);
  const waiting = (await meta.get(META_KEYS.appliedCascades)) as AppliedCascade[] | undefined;
  if (!waiting?.length) return;
  for (const row of waiting) await settleCascade(tx, schema, row, true, changes);
  await meta.delete(META_KEYS.appliedCascades);
}
