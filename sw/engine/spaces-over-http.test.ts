import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import { type BroadcastMessage, type KeyValue, PAGE_PROTOCOL_VERSION } from 'swsync/schema';
import { grantMembership, revokeMembership, shareRecord } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { createSyncHost } from '../host/sync-host.ts';
import { META_KEYS, type OutboxRow, STORES, type VersionRow } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { board, todo } from '../testing/demo-records.ts';
import { rejections, signedInEngine } from '../testing/engines.ts';
import { ManualClock } from '../testing/faults.ts';
import { useSyncFixture } from '../testing/fixture.ts';
import { createEngine } from './create-engine.ts';

// Engines with `spaces: true` against the real sync routes (docs/protocol.md, "Spaces").
const f = useSyncFixture();

/** Keys of every change broadcast since `from`. */
const changedKeys = (messages: BroadcastMessage[], from = 0) =>
  messages.slice(from).flatMap((m) => (m.type === 'change' ? m.keys : []));

/** The server's row of a record (`record: null` once deleted), or null if it never had it. */
async function serverRecord(model: string, key: KeyValue) {
  const rows = await f.store.query<{ record: Record<string, unknown> | null; scope: string }>(
    'SELECT record, scope FROM swsync_records WHERE model = $1 AND key = $2',
    [model, JSON.stringify(key)],
  );
  return rows[0] ?? null;
}

/** A signed-in engine with spaces on its own fake IndexedDB, with the platform's online state. */
async function spacesEngine(user: string, options: { pullLimit?: number } = {}) {
  let online = true;
  const indexedDB = new IDBFactory();
  /** Paths of every request the engine made (`/push`, `/pull`). */
  const requests: string[] = [];
  /** Event ids of every push request, in order. */
  const pushed: string[][] = [];
  const faults = {
    /** The next push: `before` never reaches the server, `after` is applied, its answer lost. */
    push: null as 'before' | 'after' | null,
  };
  const opened = await signedInEngine(user, {
    fetch: async (input, init) => {
      const url = String(input);
      const path = url.slice(url.lastIndexOf('/'));
      requests.push(path);
      if (path !== '/push') return fetch(input, init);
      const body = JSON.parse(String(init?.body)) as { events: { id: string }[] };
      pushed.push(body.events.map((e) => e.id));
      const fault = faults.push;
      faults.push = null;
      if (fault === 'before') throw new TypeError('fetch failed: connection refused');
      const response = await fetch(input, init);
      if (fault === 'after') throw new TypeError('fetch failed: connection reset');
      return response;
    },
    schema: demoSchema,
    endpoint: f.server.endpoint,
    spaces: true,
    indexedDB,
    isOnline: () => online,
    ...options,
  });
  return {
    ...opened,
    requests,
    pushed,
    faults,
    setOnline(value: boolean) {
      online = value;
    },
    /** The engine's `versions` rows, read through a second connection. */
    async versions(): Promise<VersionRow[]> {
      const db = await openLocalDb({ schema: demoSchema, dbName: opened.engine.dbName, indexedDB });
      try {
        return (await db.getAll(STORES.versions)) as VersionRow[];
      } finally {
        db.close();
      }
    },
  };
}

/** Shares board `key` of `by` with `account` on the server, as an editor unless told. */
const shareBoard = (key: string, by: string, account: string, role?: 'editor' | 'viewer') =>
  shareRecord({
    store: f.store,
    schema: demoSchema,
    model: 'Board',
    key,
    by,
    account,
    ...(role ? { role } : {}),
  });

/** Alice's new board with `todos` (ids), synced and shared with `bobUser` as an editor. */
async function aliceShares(aliceUser: string, bobUser: string, todos: string[]) {
  const alice = await spacesEngine(aliceUser);
  const b = randomUUID();
  await alice.engine.transaction([
    { op: 'create', model: 'Board', record: board(b, aliceUser) },
    ...todos.map((id) => ({ op: 'create' as const, model: 'Todo', record: todo(id, b) })),
  ]);
  expect((await alice.engine.sync()).lastError).toBeNull();
  const { scope } = await shareBoard(b, aliceUser, bobUser);
  return { alice, b, scope };
}

describe('engine with spaces over HTTP', () => {
  it('a shared board reaches the member with its todos; edits converge; the owner sees no delete', async () => {
    const aliceUser = `alice-${randomUUID()}`;
    const bobUser = `bob-${randomUUID()}`;
    const alice = await spacesEngine(aliceUser);
    const bob = await spacesEngine(bobUser);
    const b = randomUUID();
    const [t1, t2] = [randomUUID(), randomUUID()];
    await alice.engine.create('Board', board(b, aliceUser));
    await alice.engine.create('Todo', todo(t1, b));
    await alice.engine.create('Todo', todo(t2, b));
    expect((await alice.engine.sync()).lastError).toBeNull();
    expect((await bob.engine.sync()).lastError).toBeNull();
    expect(await bob.engine.list('Board')).toEqual([]);

    const shared = await shareBoard(b, aliceUser, bobUser);
    expect(shared.moved).toBe(3);

    // The owner's device: the records arrive under the new scope, same content, no delete.
    const before = alice.messages.length;
    const aliceRecords = {
      boards: await alice.engine.list('Board'),
      todos: await alice.engine.list('Todo'),
    };
    expect((await alice.engine.sync()).lastError).toBeNull();
    expect(await alice.engine.list('Board')).toEqual(aliceRecords.boards);
    expect(await alice.engine.list('Todo')).toEqual(aliceRecords.todos);
    // Changes announced (the server's copy replacing the local one) name records still there.
    const kept = new Set([...aliceRecords.boards, ...aliceRecords.todos].map((r) => r.id));
    expect(changedKeys(alice.messages, before).every((k) => kept.has(k as string))).toBe(true);
    expect((await alice.engine.status()).pending).toBe(0);
    // Nothing new reached alice's device: no sync progress shows for her own board.
    const shown = alice.messages.slice(before).flatMap((m) => (m.type === 'status' ? [m] : []));
    expect(shown.every((m) => m.status.initialSync?.done !== false)).toBe(true);
    expect(await alice.engine.roles()).toEqual({ [shared.scope]: 'owner' });
    expect(await alice.engine.roleOf('Todo', t1)).toBe('owner');
    const version = (await alice.versions()).find((v) => v.key === b);
    expect(version?.scope).toBe(shared.scope);

    // The member's device pulls the board and its todos.
    const status = await bob.engine.sync();
    expect(status.lastError).toBeNull();
    expect(status.roles).toEqual({ [shared.scope]: 'editor' });
    expect((await bob.engine.get('Board', b))?.name).toBe(`Board ${b}`);
    expect((await bob.engine.list('Todo')).map((t) => t.id).sort()).toEqual([t1, t2].sort());
    expect(await bob.engine.roleOf('Board', b)).toBe('editor');

    // Edits converge both ways, a new child of the shared board included.
    const t3 = randomUUID();
    await bob.engine.update('Todo', t1, { title: 'from bob' });
    await bob.engine.create('Todo', todo(t3, b, 'bob’s'));
    expect(await bob.engine.roleOf('Todo', t3)).toBe('editor');
    expect((await bob.engine.sync()).lastError).toBeNull();
    const beforeEdits = alice.messages.length;
    await alice.engine.update('Todo', t2, { title: 'from alice' });
    expect((await alice.engine.sync()).lastError).toBeNull();
    expect((await bob.engine.sync()).lastError).toBeNull();
    expect((await alice.engine.get('Todo', t1))?.title).toBe('from bob');
    expect((await alice.engine.get('Todo', t3))?.title).toBe('bob’s');
    expect((await bob.engine.get('Todo', t2))?.title).toBe('from alice');
    expect(rejections(alice.messages)).toEqual([]);
    expect(rejections(bob.messages)).toEqual([]);
    // Alice's records never went away at any step.
    expect((await alice.engine.list('Todo')).length).toBe(3);
    expect(alice.messages.slice(beforeEdits).every((m) => m.type !== 'rejected')).toBe(true);
    expect((await serverRecord('Board', b))?.scope).toBe(shared.scope);
  });

  it('a revocation while offline removes the board locally and drops pending edits as SCOPE_REVOKED, pushing nothing', async () => {
    const aliceUser = `alice-${randomUUID()}`;
    const bobUser = `bob-${randomUUID()}`;
    const bob = await spacesEngine(bobUser);
    const [t1, t2] = [randomUUID(), randomUUID()];
    const mine = randomUUID();
    const { alice, b, scope } = await aliceShares(aliceUser, bobUser, [t1, t2]);
    await bob.engine.create('Board', board(mine, bobUser));
    expect((await bob.engine.sync()).lastError).toBeNull();
    expect(await bob.engine.list('Todo')).toHaveLength(2);
    // A todo pushed but not pulled back yet: its versions row has no scope, its board has.
    const t4 = randomUUID();
    await bob.engine.create('Todo', todo(t4, b));
    expect((await bob.engine.sync()).pending).toBe(0);
    const t4Version = (await bob.versions()).find((v) => v.key === t4);
    expect(t4Version).toBeDefined();
    expect(t4Version?.scope).toBeUndefined();

    // Offline: bob edits a todo, deletes another, adds one, renames the board.
    bob.setOnline(false);
    bob.engine.setOnline(false);
    const t3 = randomUUID();
    await bob.engine.update('Todo', t1, { title: 'offline edit' });
    await bob.engine.delete('Todo', t2);
    await bob.engine.create('Todo', todo(t3, b));
    await bob.engine.update('Board', b, { name: 'renamed offline' });
    expect((await bob.engine.status()).pending).toBe(4);
    expect(await revokeMembership({ store: f.store, scope, account: bobUser, by: aliceUser })).toBe(
      'revoke',
    );

    const from = bob.messages.length;
    const sent = bob.requests.length;
    bob.setOnline(true);
    bob.engine.setOnline(true);
    const status = await bob.engine.sync();
    expect(status.lastError).toBeNull();
    expect(status.pending).toBe(0);
    expect(status.roles).toEqual({});
    // Gone locally, bob's own board kept.
    expect((await bob.engine.list('Board')).map((x) => x.id)).toEqual([mine]);
    expect(await bob.engine.list('Todo')).toEqual([]);
    const got = rejections(bob.messages.slice(from));
    expect(got.map((r) => r.error.type)).toEqual(Array(4).fill('SCOPE_REVOKED'));
    expect(got.map((r) => r.event.operation).sort()).toEqual(
      ['create', 'delete', 'update', 'update'].sort(),
    );
    const changed = changedKeys(bob.messages, from);
    expect(changed).toEqual(expect.arrayContaining([b, t1, t3, t4]));
    expect(await serverRecord('Todo', t4)).not.toBeNull();
    // Nothing was pushed: no push request, and the server has every record as alice left it.
    expect(bob.requests.slice(sent)).not.toContain('/push');
    expect((await serverRecord('Todo', t1))?.record?.title).toBe(`Todo ${t1}`);
    expect((await serverRecord('Todo', t2))?.record).not.toBeNull();
    expect(await serverRecord('Todo', t3)).toBeNull();
    expect((await serverRecord('Board', b))?.record?.name).toBe(`Board ${b}`);
    expect(await bob.versions()).toEqual([expect.objectContaining({ model: 'Board', key: mine })]);
    // Alice keeps everything.
    await alice.engine.sync();
    expect(await alice.engine.list('Todo')).toHaveLength(3);

    // Granted again: the board comes back from the start, with progress.
    await grantMembership({ store: f.store, scope, account: bobUser, role: 'editor' });
    const again = await bob.engine.sync();
    expect(again.lastError).toBeNull();
    expect(again.roles).toEqual({ [scope]: 'editor' });
    expect((await bob.engine.list('Todo')).map((t) => t.id).sort()).toEqual([t1, t2, t4].sort());
    expect((await bob.engine.get('Board', b))?.name).toBe(`Board ${b}`);
  });

  /** Alice's board with two todos, shared with bob as an editor and pulled by his device. */
  async function sharedWithBob() {
    const aliceUser = `alice-${randomUUID()}`;
    const bobUser = `bob-${randomUUID()}`;
    const bob = await spacesEngine(bobUser);
    const [t1, t2] = [randomUUID(), randomUUID()];
    const { alice, b, scope } = await aliceShares(aliceUser, bobUser, [t1, t2]);
    expect((await bob.engine.sync()).lastError).toBeNull();
    expect(await bob.engine.list('Todo')).toHaveLength(2);
    const revoke = async () =>
      expect(
        await revokeMembership({ store: f.store, scope, account: bobUser, by: aliceUser }),
      ).toBe('revoke');
    return { alice, bob, bobUser, b, t1, t2, revoke };
  }

  it('a revocation after a push whose answer was lost asks the server once: the applied edit is settled silently, the unsent one reported', async () => {
    const { alice, bob, bobUser, b, t1, t2, revoke } = await sharedWithBob();
    await bob.engine.update('Todo', t1, { title: 'applied, answer lost' });
    bob.faults.push = 'after';
    expect((await bob.engine.sync()).pending).toBe(1);
    const [appliedId] = bob.pushed.at(-1)!;
    expect((await serverRecord('Todo', t1))?.record?.title).toBe('applied, answer lost');
    // Never sent: made while offline, after the lost answer.
    bob.setOnline(false);
    bob.engine.setOnline(false);
    await bob.engine.update('Todo', t2, { title: 'never sent' });
    const mine = randomUUID();
    await bob.engine.create('Board', board(mine, bobUser));
    await revoke();

    const from = bob.messages.length;
    const sent = bob.pushed.length;
    bob.setOnline(true);
    bob.engine.setOnline(true);
    const status = await bob.engine.sync();
    expect(status.lastError).toBeNull();
    expect(status.pending).toBe(0);
    // One push asked about the sent event alone; the next one carried bob's own board.
    expect(bob.pushed.slice(sent)).toEqual([[appliedId], [expect.any(String)]]);
    const got = rejections(bob.messages.slice(from));
    expect(got).toEqual([
      expect.objectContaining({
        event: expect.objectContaining({ operation: 'update', entityKeyPath: [t2] }),
        error: expect.objectContaining({ type: 'SCOPE_REVOKED' }),
      }),
    ]);
    // Removed locally all the same; bob's own board synced; the server keeps what it applied.
    expect((await bob.engine.list('Board')).map((x) => x.id)).toEqual([mine]);
    expect(await bob.engine.list('Todo')).toEqual([]);
    expect(await serverRecord('Board', mine)).not.toBeNull();
    expect((await serverRecord('Todo', t1))?.record?.title).toBe('applied, answer lost');
    expect((await serverRecord('Todo', t2))?.record?.title).toBe(`Todo ${t2}`);
    expect((await serverRecord('Board', b))?.record).not.toBeNull();
    // Nothing comes back, nothing more is reported.
    expect((await bob.engine.sync()).lastError).toBeNull();
    expect(await bob.engine.list('Todo')).toEqual([]);
    expect(rejections(bob.messages.slice(from))).toHaveLength(1);
    await alice.engine.sync();
    expect((await alice.engine.get('Todo', t1))?.title).toBe('applied, answer lost');
  });

  it('a sent event that never arrived is reported SCOPE_REVOKED once; while its fate is unknown nothing is removed or reported', async () => {
    const { bob, b, t1, revoke } = await sharedWithBob();
    await bob.engine.update('Todo', t1, { title: 'never arrived' });
    bob.faults.push = 'before';
    expect((await bob.engine.sync()).pending).toBe(1);
    await revoke();

    // The question itself fails: the page is not applied, the event stays queued.
    const from = bob.messages.length;
    const sent = bob.pushed.length;
    bob.faults.push = 'before';
    const failed = await bob.engine.sync();
    expect(failed.lastError).not.toBeNull();
    expect(failed.pending).toBe(1);
    expect(bob.pushed.length).toBe(sent + 1);
    expect(rejections(bob.messages.slice(from))).toEqual([]);
    expect((await bob.engine.get('Board', b))?.id).toBe(b);
    expect((await bob.engine.get('Todo', t1))?.title).toBe('never arrived');

    // Asked again (the same page, the same answer): refused, so dropped and reported once.
    const status = await bob.engine.sync();
    expect(status.lastError).toBeNull();
    expect(status.pending).toBe(0);
    const got = rejections(bob.messages.slice(from));
    expect(got.map((r) => [r.event.entityKeyPath, r.error.type])).toEqual([
      [[t1], 'SCOPE_REVOKED'],
    ]);
    expect(await bob.engine.list('Board')).toEqual([]);
    expect(await bob.engine.list('Todo')).toEqual([]);
    expect((await serverRecord('Todo', t1))?.record?.title).toBe(`Todo ${t1}`);
    expect((await bob.engine.sync()).lastError).toBeNull();
    expect(rejections(bob.messages.slice(from))).toHaveLength(1);
  });

  it('a viewer’s write is rejected FORBIDDEN_ROLE and rolled back', async () => {
    const aliceUser = `alice-${randomUUID()}`;
    const bobUser = `bob-${randomUUID()}`;
    const alice = await spacesEngine(aliceUser);
    const bob = await spacesEngine(bobUser);
    const b = randomUUID();
    const t1 = randomUUID();
    await alice.engine.create('Board', board(b, aliceUser));
    await alice.engine.create('Todo', todo(t1, b));
    await alice.engine.sync();
    await shareBoard(b, aliceUser, bobUser, 'viewer');
    await bob.engine.sync();
    expect(await bob.engine.roleOf('Todo', t1)).toBe('viewer');

    await bob.engine.update('Todo', t1, { title: 'viewer edit' });
    const t2 = randomUUID();
    await bob.engine.create('Todo', todo(t2, b));
    expect((await bob.engine.get('Todo', t1))?.title).toBe('viewer edit');
    const status = await bob.engine.sync();
    expect(status.pending).toBe(0);
    expect(rejections(bob.messages).map((r) => r.error.type)).toEqual([
      'FORBIDDEN_ROLE',
      'FORBIDDEN_ROLE',
    ]);
    expect((await bob.engine.get('Todo', t1))?.title).toBe(`Todo ${t1}`);
    expect(await bob.engine.get('Todo', t2)).toBeUndefined();
    expect((await serverRecord('Todo', t1))?.record?.title).toBe(`Todo ${t1}`);
    expect(await serverRecord('Todo', t2)).toBeNull();
  });

  it('a newly granted scope is pulled from its start with initial-sync progress', async () => {
    const aliceUser = `alice-${randomUUID()}`;
    const bobUser = `bob-${randomUUID()}`;
    const alice = await spacesEngine(aliceUser);
    const bob = await spacesEngine(bobUser, { pullLimit: 2 });
    const b = randomUUID();
    await alice.engine.transaction([
      { op: 'create', model: 'Board', record: board(b, aliceUser) },
      ...Array.from({ length: 4 }, () => ({
        op: 'create' as const,
        model: 'Todo',
        record: todo(randomUUID(), b),
      })),
    ]);
    await alice.engine.sync();
    await bob.engine.create('Board', board(randomUUID(), bobUser));
    expect((await bob.engine.sync()).initialSync?.done).toBe(true);
    await shareBoard(b, aliceUser, bobUser);
    const from = bob.messages.length;
    const status = await bob.engine.sync();
    expect(status.lastError).toBeNull();
    expect(status.initialSync).toEqual({ records: 5, total: null, done: true });
    const progress = bob.messages
      .slice(from)
      .flatMap((m) =>
        m.type === 'status' && m.status.initialSync && !m.status.initialSync.done
          ? [m.status.initialSync.records]
          : [],
      );
    // Status broadcasts are built after the fact, so they may lag a page: they only grow.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.every((n) => n >= 1 && n <= 5)).toBe(true);
    expect(await bob.engine.list('Todo')).toHaveLength(4);
  });

  it('a database first synced without spaces shows no sync when its owner shares a board it holds', async () => {
    const aliceUser = `alice-${randomUUID()}`;
    const writer = await spacesEngine(aliceUser);
    const b = randomUUID();
    await writer.engine.create('Board', board(b, aliceUser));
    for (const n of [1, 2]) await writer.engine.create('Todo', todo(`${b}-${n}`, b));
    expect((await writer.engine.sync()).lastError).toBeNull();
    // This device's first sync ran before the app turned spaces on: no versions rows.
    const indexedDB = new IDBFactory();
    const v1 = await signedInEngine(aliceUser, {
      schema: demoSchema,
      endpoint: f.server.endpoint,
      indexedDB,
    });
    expect((await v1.engine.sync()).lastError).toBeNull();
    await v1.engine.close();
    const db = await openLocalDb({ schema: demoSchema, dbName: 'swsync', indexedDB });
    expect(await db.count(STORES.versions)).toBe(0);
    db.close();

    const alice = await signedInEngine(aliceUser, {
      schema: demoSchema,
      endpoint: f.server.endpoint,
      indexedDB,
      spaces: true,
    });
    expect((await alice.engine.sync()).lastError).toBeNull();
    const before = (await alice.engine.status()).initialSync;
    await shareBoard(b, aliceUser, `bob-${randomUUID()}`);
    const from = alice.messages.length;
    expect((await alice.engine.sync()).lastError).toBeNull();
    // Her own board arriving under its new scope is no sync to show.
    const shown = alice.messages
      .slice(from)
      .flatMap((m) => (m.type === 'status' && m.status.initialSync ? [m.status.initialSync] : []));
    expect(shown.filter((s) => !s.done)).toEqual([]);
    expect((await alice.engine.status()).initialSync).toEqual(before);
    await alice.engine.close();
    await writer.engine.close();
  });

  it('a host passes spaces on to its engines', async () => {
    const user = `carol-${randomUUID()}`;
    const names = new Set<string>();
    const indexedDB = new IDBFactory();
    const host = createSyncHost({
      schema: demoSchema,
      endpoint: f.server.endpoint,
      spaces: true,
      writeDebounceMs: 0,
      known: {
        add: async (name) => void names.add(name),
        remove: async (name) => void names.delete(name),
        has: async (name) => names.has(name),
        list: async () => [...names],
      },
      createEngine: (options) => createEngine({ ...options, indexedDB, isOnline: () => true }),
    });
    const db = `db-${user}`;
    await host.rpc.hello(db, PAGE_PROTOCOL_VERSION, user);
    await host.rpc.setHeaders(db, { 'x-user': user });
    const status = await host.rpc.syncNow(db);
    expect(status.lastError).toBeNull();
    expect(status.roles).toEqual({});
  });

  it('without spaces, an engine pulls only its personal scope (v1)', async () => {
    const aliceUser = `alice-${randomUUID()}`;
    const bobUser = `bob-${randomUUID()}`;
    const alice = await spacesEngine(aliceUser);
    const bob = await signedInEngine(bobUser, { schema: demoSchema, endpoint: f.server.endpoint });
    const b = randomUUID();
    await alice.engine.create('Board', board(b, aliceUser));
    await alice.engine.sync();
    await shareBoard(b, aliceUser, bobUser);
    const status = await bob.engine.sync();
    expect(status.lastError).toBeNull();
    expect(status.roles).toBeUndefined();
    expect(await bob.engine.list('Board')).toEqual([]);
    expect(await bob.engine.roles()).toEqual({});
  });
});

// The pipelined drain (sync/push.ts): `meta[sentThrough]` must cover only batches that were
// sent (sw/README.md: "Events never sent are never pushed").
describe('pipelined drain under spaces: the run budget', () => {
  it('a batch marked sent ahead but stopped by the run budget is never pushed by a revocation', async () => {
    const aliceUser = `alice-${randomUUID()}`;
    const bobUser = `bob-${randomUUID()}`;
    const t1 = randomUUID();
    const { scope } = await aliceShares(aliceUser, bobUser, [t1]);

    // Bob on a manual clock (timers never fire on their own), one event per batch; the clock
    // passes the run's budget as soon as a push is answered.
    const clock = new ManualClock();
    let online = true;
    let jumpAfterPush = false;
    const pushed: string[][] = [];
    const indexedDB = new IDBFactory();
    const { engine } = await signedInEngine(bobUser, {
      schema: demoSchema,
      endpoint: f.server.endpoint,
      spaces: true,
      indexedDB,
      isOnline: () => online,
      batchSize: 1,
      runBudgetMs: 1000,
      now: () => clock.now,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith('/push')) {
          pushed.push(
            (JSON.parse(String(init?.body)) as { events: { id: string }[] }).events.map(
              (e) => e.id,
            ),
          );
          if (jumpAfterPush) {
            jumpAfterPush = false;
            clock.now += 10_000;
          }
        }
        return response;
      },
    });
    expect((await engine.sync()).lastError).toBeNull();
    expect(await engine.list('Todo')).toHaveLength(1);

    // Offline: bob creates his own board, then edits the shared todo.
    online = false;
    const mine = randomUUID();
    await engine.create('Board', board(mine, bobUser));
    await engine.update('Todo', t1, { title: 'never sent' });
    jumpAfterPush = true;
    online = true;
    const stopped = await engine.sync();
    // The budget ended the run after the first batch: the edit never left the device.
    expect(pushed).toHaveLength(1);
    expect(stopped.pending).toBe(1);
    const local = await openLocalDb({ schema: demoSchema, dbName: engine.dbName, indexedDB });
    const [queued] = (await local.getAll(STORES.outbox)) as OutboxRow[];
    const sentThrough = (await local.get(STORES.meta, META_KEYS.sentThrough)) as number;
    local.close();
    expect(queued!.event.payload).toEqual({ title: 'never sent' });
    // Only the batch that was sent may be covered.
    expect(sentThrough).toBeLessThan(queued!.seq!);

    // Revoked before the next run: the never-sent edit is dropped as SCOPE_REVOKED, not pushed.
    expect(await revokeMembership({ store: f.store, scope, account: bobUser, by: aliceUser })).toBe(
      'revoke',
    );
    const before = pushed.length;
    const status = await engine.sync('manual');
    expect(status.lastError).toBeNull();
    expect(status.pending).toBe(0);
    expect(pushed.slice(before)).toEqual([]);
    await engine.close();
  });
});
