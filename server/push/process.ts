import type { PushResult } from 'swsync/schema';
import { encodeChangelogId } from '../changelog/cursor.ts';
import { canWrite, type Role } from '../spaces/roles.ts';
import type { OutboxState } from './outbox-counter.ts';
import { applied, rejected } from './results.ts';
import type { BatchState, RecordRow } from './state.ts';
import type { CustomValidation, PreparedEvent, SyncSchema } from './types.ts';
import { WriteRaceError } from './write.ts';

/** A remembered result of an applied event: (scope, ledger key) → first changelog seq. */
export interface AppliedEvent {
  scope: string;
  eventId: string;
  seq: number | null;
  version: number | null;
}

export interface ProcessContext {
  schema: SyncSchema;
  state: BatchState;
  /** Last seq taken per scope; advanced as changes are made. */
  counters: Map<string, number>;
  /** Events applied before this batch, by scope and id. */
  seen: Map<string, AppliedEvent>;
  customValidation: CustomValidation | undefined;
  clientId: string | null;
  /** false for server-side writes: their changelog entries carry no event id. */
  clientEvents: boolean;
  /** Outbox counters: the outbox's row as the batch found it. */
  outbox: OutboxState | undefined;
  /** Set under the spaces rules: the pushing account, its roles and the locked scopes' owners. */
  spaces: SpacesContext | undefined;
}

export interface SpacesContext {
  account: string;
  /** The account's role in each locked scope it belongs to (its personal scope: owner). */
  roles: ReadonlyMap<string, Role>;
  /** The owner account of each locked shared scope (null: a personal scope). */
  owners: ReadonlyMap<string, string | null>;
}

export const seenId = (scope: string, eventId: string) => `${scope.length}:${scope}${eventId}`;

const SCOPE_MESSAGE = 'the record or its parent belongs to another scope';

/**
 * Runs the scope, parent and conflict checks and the application's hook for one event against
 * the batch state, and applies it there. Events are processed in order, so a later event sees
 * the effects of earlier ones (a todo created after its board). Returns the event's result and,
 * when applied, what to remember for idempotency.
 */
export async function processEvent(
  ctx: ProcessContext,
  ev: PreparedEvent,
): Promise<{ result: PushResult; remember?: AppliedEvent; appliedAs?: AppliedAs }> {
  const { state } = ctx;
  const { model } = ev;
  if (ctx.outbox && ev.outboxSeq !== null && ev.outboxSeq <= ctx.outbox.last) {
    const row = state.get(ev.modelName, ev.keyText);
    return { result: replayedFromOutbox(ctx, ev, row) };
  }
  if (ev.ledgerKey !== null) {
    const previous = ctx.seen.get(seenId(ev.ledgerScope, ev.ledgerKey));
    if (previous) {
      return { result: repeated(ctx, ev, previous, state.get(ev.modelName, ev.keyText)) };
    }
  }
  const row = state.get(ev.modelName, ev.keyText);
  const parent = ev.newParent ? state.get(ev.newParent.model, ev.newParent.keyText) : undefined;
  const checked = ctx.spaces
    ? checkSpaces(ctx, ctx.spaces, ev, row, parent)
    : checkScope(ev, row, parent);
  if (typeof checked !== 'string') return { result: checked };
  const scope = checked;
  if (ev.newParent && !parent?.record) {
    return { result: rejected(ev.id, 'MISSING_PARENT', 'the parent record does not exist') };
  }

  // Conflict rule.
  const live = row?.record ? row : undefined;
  if (ev.operation === 'update' && !live) {
    return {
      result: rejected(ev.id, 'CONFLICT', 'the record does not exist', { record: null }),
    };
  }
  if (
    live &&
    model.conflict === 'version' &&
    typeof ev.baseVersion === 'number' &&
    ev.baseVersion !== live.version
  ) {
    return {
      result: rejected(ev.id, 'CONFLICT', 'the record changed since baseVersion', {
        record: live.record,
        version: live.version,
      }),
    };
  }
  if (ev.operation === 'delete' && !live) {
    return { result: applied(ev.id, null, undefined), ...remembered(ev, null, null) };
  }

  let cascade: RecordRow[] = [];
  if (ev.operation === 'delete') {
    const collected = collectCascade(ctx.schema, state, live!);
    if (collected === 'restricted') {
      return {
        result: rejected(ev.id, 'CONFLICT', 'the record has children that restrict its deletion', {
          record: live!.record,
          version: live!.version,
        }),
      };
    }
    cascade = collected;
  }

  const next =
    ev.operation === 'delete'
      ? null
      : ev.operation === 'create'
        ? ev.data!
        : { ...live!.record, ...ev.data };
  if (ctx.customValidation) {
    const message = await ctx.customValidation({
      event: ev.event,
      model: ev.modelName,
      operation: ev.operation,
      key: ev.key,
      scope,
      record: next,
      previous: live?.record ?? null,
    });
    if (typeof message === 'string') {
      return { result: rejected(ev.id, 'CUSTOM_VALIDATION_FAILED', message) };
    }
  }

  const eventId = ctx.clientEvents ? ev.id : null;
  const ownership = model.ownership;
  const seq = take(ctx, scope);
  const version = (row?.version ?? 0) + 1;
  const parentKey =
    ownership.kind === 'child'
      ? next
        ? JSON.stringify(next[ownership.parentField])
        : (row?.parentKey ?? null)
      : null;
  state.set({
    model: ev.modelName,
    key: ev.keyText,
    scope,
    seq,
    version,
    operation: ev.operation,
    record: next,
    parentModel: ownership.kind === 'child' ? ownership.parentModel : null,
    parentKey,
    eventId,
    clientId: ctx.clientId,
  });
  // Each cascaded child gets a changelog entry of its own, after its parent's.
  for (const child of cascade) {
    state.set({
      ...child,
      seq: take(ctx, child.scope),
      version: child.version + 1,
      operation: 'delete',
      record: null,
      eventId: null,
      clientId: ctx.clientId,
    });
  }
  return {
    result: applied(ev.id, encodeChangelogId(seq), version),
    ...remembered(ev, seq, version),
  };
}

/** An applied event's first result: its changelog seq and the version it produced. */
export interface AppliedAs {
  seq: number | null;
  version: number | null;
}

/** What idempotency stores for an applied event: a ledger row if it has a key, and its result. */
function remembered(
  ev: PreparedEvent,
  seq: number | null,
  version: number | null,
): { remember?: AppliedEvent; appliedAs: AppliedAs } {
  if (ev.ledgerKey === null) return { appliedAs: { seq, version } };
  return {
    remember: { scope: ev.ledgerScope, eventId: ev.ledgerKey, seq, version },
    appliedAs: { seq, version },
  };
}

/**
 * Outbox counters: the answer to an event at or below the outbox's high-water mark, processed
 * once already. Its first result when the outbox kept it (a rejection with the record's
 * current state where the first carried one); otherwise, a result marked `current` with the
 * record's current state, which is right whatever the first result was (docs/protocol.md).
 */
function replayedFromOutbox(
  ctx: ProcessContext,
  ev: PreparedEvent,
  row: RecordRow | undefined,
): PushResult {
  const kept = ctx.outbox!.kept.get(ev.outboxSeq!);
  if (kept?.kind === 'applied') {
    return repeated(ctx, ev, { scope: ev.ledgerScope, eventId: ev.id, ...kept }, row);
  }
  const visible = readableRow(ctx, ev, row);
  const live = visible?.record ? visible : undefined;
  if (kept?.kind === 'refused') {
    const extra = kept.withRecord
      ? live
        ? { record: live.record, version: live.version }
        : { record: null }
      : {};
    return rejected(ev.id, kept.type, kept.message, extra);
  }
  const result: PushResult = {
    id: ev.id,
    appliedChangelogId: null,
    error: null,
    record: live ? live.record : null,
    current: true,
  };
  if (visible) result.version = visible.version;
  return result;
}

/**
 * The stored row of the event's record if the caller may read it. v1: keys stay bound to their
 * scope, so the row is the caller's; checked all the same. Spaces: the record may have moved to
 * a shared scope; it is there for the caller while it can read that scope.
 */
function readableRow(
  ctx: ProcessContext,
  ev: PreparedEvent,
  row: RecordRow | undefined,
): RecordRow | undefined {
  const readable = ctx.spaces
    ? row !== undefined && ctx.spaces.roles.has(row.scope)
    : row?.scope === ev.scope;
  return readable ? row : undefined;
}

/**
 * The answer to an event id applied before: the first result again, plus `record: null` when
 * the event left a record that is gone now (deleted since, perhaps purged). A client whose
 * first answer was lost would otherwise keep the event's effect, and no pull may ever correct
 * it: a purged tombstone is never pulled. (A record that still exists needs no such note: its
 * latest change is in the changelog, where the client's next pull finds it.)
 */
function repeated(
  ctx: ProcessContext,
  ev: PreparedEvent,
  previous: AppliedEvent,
  row: RecordRow | undefined,
) {
  const changelogId = previous.seq === null ? null : encodeChangelogId(previous.seq);
  const left = ev.operation !== 'delete' && previous.version !== null;
  const gone = !readableRow(ctx, ev, row)?.record;
  return applied(
    ev.id,
    changelogId,
    previous.version ?? undefined,
    left && gone ? { record: null } : {},
  );
}

/** v1: the scope is fixed by `scopeKey`; the record, its scope field and its parent must be in it. */
function checkScope(
  ev: PreparedEvent,
  row: RecordRow | undefined,
  parent: RecordRow | undefined,
): string | PushResult {
  const { model } = ev;
  // The record itself (even a tombstone: keys stay bound to their scope), its scope field, and
  // the parent it is created under or moved to.
  if (row && row.scope !== ev.scope) return rejected(ev.id, 'SCOPE_VIOLATION', SCOPE_MESSAGE);
  if (
    model.ownership.kind === 'root' &&
    ev.data &&
    Object.hasOwn(ev.data, model.ownership.scopeField) &&
    ev.data[model.ownership.scopeField] !== ev.scope
  ) {
    return rejected(ev.id, 'SCOPE_VIOLATION', 'the scope field names another scope');
  }
  if (parent && parent.scope !== ev.scope) {
    return rejected(ev.id, 'SCOPE_VIOLATION', SCOPE_MESSAGE);
  }
  return ev.scope;
}

/**
 * Spaces: the scope is the record's (even a tombstone's), else its parent's, else the account's
 * personal scope; a record never changes scope by a push. The account must be a member of that
 * scope (else SCOPE_VIOLATION, as v1 answers a foreign record) with a role that writes (else
 * FORBIDDEN_ROLE). A root's scope field keeps its value: the account for a personal record,
 * the sharing owner's id for a shared one; only an owner deletes a shared root.
 */
function checkSpaces(
  ctx: ProcessContext,
  spaces: SpacesContext,
  ev: PreparedEvent,
  row: RecordRow | undefined,
  parent: RecordRow | undefined,
): string | PushResult {
  const { model } = ev;
  const scope = row?.scope ?? parent?.scope ?? spaces.account;
  if (parent && parent.scope !== scope) return rejected(ev.id, 'SCOPE_VIOLATION', SCOPE_MESSAGE);
  // A share moved the record between the batch's first read and its locks: start over.
  if (!ctx.counters.has(scope)) throw new WriteRaceError();
  const role = spaces.roles.get(scope);
  if (role === undefined) return rejected(ev.id, 'SCOPE_VIOLATION', SCOPE_MESSAGE);
  if (!canWrite(role)) {
    return rejected(ev.id, 'FORBIDDEN_ROLE', `a ${role} of the scope cannot change its records`);
  }
  // The root of a shared scope is what was shared (roots are created in personal scopes only):
  // deleting it takes every member's records with it, so it is the owners' decision.
  if (
    model.ownership.kind === 'root' &&
    ev.operation === 'delete' &&
    scope !== spaces.account &&
    role !== 'owner'
  ) {
    return rejected(ev.id, 'FORBIDDEN_ROLE', `only an owner can delete the shared ${ev.model}`);
  }
  if (
    model.ownership.kind === 'root' &&
    ev.data &&
    Object.hasOwn(ev.data, model.ownership.scopeField)
  ) {
    const field = model.ownership.scopeField;
    const expected =
      scope === spaces.account
        ? spaces.account
        : (row?.record?.[field] ?? spaces.owners.get(scope) ?? undefined);
    if (ev.data[field] !== expected) {
      return rejected(ev.id, 'SCOPE_VIOLATION', 'the scope field names another scope');
    }
  }
  return scope;
}

function take(ctx: ProcessContext, scope: string): number {
  const seq = (ctx.counters.get(scope) ?? 0) + 1;
  ctx.counters.set(scope, seq);
  return seq;
}

/**
 * Every live descendant of `root`, parents before children, or `'restricted'` when a `restrict`
 * relation anywhere below has a live child.
 */
function collectCascade(
  schema: SyncSchema,
  state: BatchState,
  root: RecordRow,
): RecordRow[] | 'restricted' {
  const out: RecordRow[] = [];
  const queue: RecordRow[] = [root];
  const seen = new Set<string>([`${root.model}\u0000${root.key}`]);
  while (queue.length > 0) {
    const node = queue.shift()!;
    const relations = schema.childrenOf(node.model);
    if (relations.length === 0) continue;
    for (const child of state.childrenOf(node.model, node.key)) {
      const relation = relations.find((r) => r.model === child.model);
      if (!relation) continue;
      if (relation.onDelete === 'restrict') return 'restricted';
      const id = `${child.model}\u0000${child.key}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
