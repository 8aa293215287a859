import type { SpacesPullResponse } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { pullAndMaterializeLogs, pullSpaces } from '../pull/index.ts';
import { applyPush, type PushEventInput } from '../push/index.ts';
import type { SqlClient, SyncStore } from '../store/types.ts';
import {
  board,
  createPostgresTestStore,
  describeEachStore,
  ev,
  recordKey,
  testDatabaseUrl,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';
import { grantMembership, revokeMembership, shareRecord } from './index.ts';

/** A device's copy: records by model and key, each with its scope, as a spaces pull leaves it. */
interface Device {
  cursor: string | null;
  records: Map<string, { scope: string; record: Record<string, unknown> }>;
  deletes: number;
}
const newDevice = (): Device => ({ cursor: null, records: new Map(), deletes: 0 });
const recordId = (model: string, key: unknown) => `${model}/${JSON.stringify(key)}`;

function apply(device: Device, page: SpacesPullResponse): void {
  for (const scope of page.revokedScopes) {
    for (const [id, held] of device.records) if (held.scope === scope) device.records.delete(id);
  }
  for (const entry of page.logsWithRecords) {
    const id = recordId(entry.model, entry.keyPath[0]);
    if (entry.record === null) {
      device.deletes++;
      device.records.delete(id);
    } else device.records.set(id, { scope: entry.scope, record: entry.record });
  }
  device.cursor = page.cursor;
}

async function sync(store: SyncStore, account: string, device: Device, limit = 500) {
  const pages: SpacesPullResponse[] = [];
  for (;;) {
    const page = await pullSpaces({ store, account, lastChangelogId: device.cursor, limit });
    apply(device, page);
    pages.push(page);
    if (!page.hasMore) return pages;
  }
}

/** The store, counting every statement run through it (inside transactions too). */
function counting(store: SyncStore): { store: SyncStore; count: () => number } {
  let n = 0;
  const wrap = (client: SqlClient): SqlClient => ({
    query: (text, params) => {
      n++;
      return client.query(text, params);
    },
  });
  const counted: SyncStore = {
    kind: store.kind,
    query: (text, params) => wrap(store).query(text, params),
    transaction: (fn) => store.transaction((tx) => fn(wrap(tx))),
    listen: (...args) => store.listen(...args),
    close: () => store.close(),
  };
  return { store: counted, count: () => n };
}

describeEachStore('spaces: pull', (getStore) => {
  const push = async (account: string, events: readonly PushEventInput[]) => {
    const results = await applyPush({ store: getStore(), schema: testSchema, account, events });
    expect(results.map((r) => r.error)).toEqual(events.map(() => null));
  };

  async function aliceWithBoard() {
    const alice = uniqueScope('alice');
    const b = recordKey('board');
    const t = recordKey('t');
    await push(alice, [ev.create('Board', board(b, alice)), ev.create('Todo', todo(t, b))]);
    return { alice, b, t };
  }

  it('the owner’s devices see a shared board arrive under its new scope: no delete, no flicker', async () => {
    const { alice, b, t } = await aliceWithBoard();
    const other = recordKey('board');
    await push(alice, [ev.create('Board', board(other, alice))]);
    // One device was on v1 pulls before: its cursor starts a spaces pull where it was.
    const v1 = await pullAndMaterializeLogs({ store: getStore(), scopeKey: alice, account: alice });
    const device: Device = { cursor: v1.cursor, records: new Map(), deletes: 0 };
    for (const entry of v1.logsWithRecords) {
      device.records.set(recordId(entry.model, entry.keyPath[0]), {
        scope: alice,
        record: entry.record!,
      });
    }
    const fresh = newDevice();
    await sync(getStore(), alice, fresh);
    const bob = uniqueScope('bob');
    const { scope } = await shareRecord({
      store: getStore(),
      schema: testSchema,
      model: 'Board',
      key: b,
      by: alice,
      account: bob,
    });
    for (const d of [device, fresh]) {
      const [page] = await sync(getStore(), alice, d);
      expect(page!.logsWithRecords.map((e) => [e.model, e.scope, e.operation])).toEqual([
        ['Board', scope, 'create'],
        ['Todo', scope, 'create'],
      ]);
      expect(page!.roles).toEqual({ [scope]: 'owner' });
      expect(d.deletes).toBe(0);
      expect(d.records.get(recordId('Board', b))?.scope).toBe(scope);
      expect(d.records.get(recordId('Todo', t))?.scope).toBe(scope);
      expect(d.records.get(recordId('Board', other))?.scope).toBe(alice);
    }
  });

  it('a member pulls its own and the shared scope in one request, with its role', async () => {
    const { alice, b } = await aliceWithBoard();
    const bob = uniqueScope('bob');
    const mine = recordKey('board');
    await push(bob, [ev.create('Board', board(mine, bob))]);
    const { scope } = await shareRecord({
      store: getStore(),
      schema: testSchema,
      model: 'Board',
      key: b,
      by: alice,
      account: bob,
      role: 'viewer',
    });
    const device = newDevice();
    const pages = await sync(getStore(), bob, device);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.roles).toEqual({ [scope]: 'viewer' });
    // A full pull's first page counts every scope's entries (progress), later pulls do not.
    expect(pages[0]!.total).toBe(3);
    const paged = await sync(getStore(), bob, newDevice(), 2);
    expect(paged.map((p) => p.total)).toEqual([3, undefined]);
    const again = await sync(getStore(), bob, device);
    expect(again[0]!.total).toBeUndefined();
    expect([...device.records.values()].map((r) => r.scope).sort()).toEqual(
      [bob, scope, scope].sort(),
    );
    // Someone else's cursor, or garbage, is refused.
    await expect(
      pullSpaces({ store: getStore(), account: alice, lastChangelogId: device.cursor }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      pullSpaces({ store: getStore(), account: bob, lastChangelogId: 'NTpub3Bl' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a newly granted scope is pulled from its start, with progress, without pulling the others again', async () => {
    const { alice, b } = await aliceWithBoard();
    const todos = Array.from({ length: 5 }, () => recordKey('t'));
    await push(
      alice,
      todos.map((t) => ev.create('Todo', todo(t, b))),
    );
    const bob = uniqueScope('bob');
    await push(bob, [ev.create('Board', board(recordKey('board'), bob))]);
    const device = newDevice();
    await sync(getStore(), bob, device);
    expect(device.records.size).toBe(1);
    const { scope } = await shareRecord({
      store: getStore(),
      schema: testSchema,
      model: 'Board',
      key: b,
      by: alice,
      account: bob,
    });
    const pages = await sync(getStore(), bob, device, 3);
    expect(pages.map((p) => p.logsWithRecords.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.logsWithRecords.map((e) => e.scope))).toEqual(
      Array(7).fill(scope),
    );
    expect(pages.map((p) => p.syncingScopes)).toEqual([[scope], [scope], []]);
    expect(device.records.size).toBe(8);
  });

  it('revocation: a device offline at the time removes the scope on its next pull, and sees no more of it', async () => {
    const { alice, b, t } = await aliceWithBoard();
    const bob = uniqueScope('bob');
    const { scope } = await shareRecord({
      store: getStore(),
      schema: testSchema,
      model: 'Board',
      key: b,
      by: alice,
      account: bob,
    });
    const online = newDevice();
    const offline = newDevice();
    await sync(getStore(), bob, online);
    await sync(getStore(), bob, offline);
    expect(offline.records.size).toBe(2);
    await revokeMembership({ store: getStore(), scope, account: bob, by: alice });
    await push(alice, [ev.update('Todo', t, { title: 'after' })]);
    const [page] = await sync(getStore(), bob, offline);
    expect(page!.revokedScopes).toEqual([scope]);
    expect(page!.logsWithRecords).toEqual([]);
    expect(offline.records.size).toBe(0);
    expect(offline.deletes).toBe(0);
    await push(alice, [ev.update('Todo', t, { title: 'later' })]);
    const [after] = await sync(getStore(), bob, offline);
    expect(after!.logsWithRecords).toEqual([]);
    expect(after!.revokedScopes).toEqual([]);
    // Granted again: the scope comes back from its start.
    await grantMembership({ store: getStore(), scope, account: bob, role: 'viewer', by: alice });
    const [back] = await sync(getStore(), bob, offline);
    expect(back!.logsWithRecords.map((e) => e.scope)).toEqual([scope, scope]);
    expect(offline.records.get(recordId('Todo', t))?.record.title).toBe('later');
    // The device that pulled in between sees the revocation and the grant in one page.
    const [both] = await sync(getStore(), bob, online);
    expect(both!.revokedScopes).toEqual([scope]);
    expect(both!.roles).toEqual({ [scope]: 'viewer' });
    expect(online.records).toEqual(offline.records);
  });

  it('a non-member’s pull holds nothing of a shared scope, nor of another personal scope', async () => {
    const { alice, b } = await aliceWithBoard();
    const bob = uniqueScope('bob');
    await shareRecord({
      store: getStore(),
      schema: testSchema,
      model: 'Board',
      key: b,
      by: alice,
      account: bob,
    });
    const eve = uniqueScope('eve');
    const device = newDevice();
    const pages = await sync(getStore(), eve, device);
    expect(device.records.size).toBe(0);
    expect(pages[0]).toMatchObject({ logsWithRecords: [], revokedScopes: [], roles: {} });
  });

  it('an account in 1,000 scopes pulls with a constant number of statements', async () => {
    const store = getStore();
    const bob = uniqueScope('bob');
    const prefix = uniqueScope('team');
    // 1,000 shared scopes with one board each, set up in bulk (as 1,000 grants would leave them).
    await store.query(
      `INSERT INTO swsync_scopes (scope, seq, owner)
       SELECT $1 || ':' || i, 1, 'owner' FROM generate_series(1, 1000) AS i`,
      [prefix],
    );
    await store.query(
      `INSERT INTO swsync_records (model, key, scope, seq, version, operation, record)
       SELECT 'Board', to_jsonb($1 || ':' || i)::text, $1 || ':' || i, 1, 1, 'create',
              jsonb_build_object('id', $1 || ':' || i, 'name', 'b', 'userId', 'owner',
                                 'createdAt', '2026-01-01T00:00:00.000Z')
         FROM generate_series(1, 1000) AS i`,
      [prefix],
    );
    await store.query(
      `INSERT INTO swsync_members (scope, account, role, grant_seq)
       SELECT $1 || ':' || i, $2, 'editor', i FROM generate_series(1, 1000) AS i`,
      [prefix, bob],
    );
    await store.query('INSERT INTO swsync_accounts (account, seq) VALUES ($1, 1000)', [bob]);
    await store.query(
      `INSERT INTO swsync_account_log (account, seq, scope, kind, role)
       SELECT $2, i, $1 || ':' || i, 'grant', 'editor' FROM generate_series(1, 1000) AS i`,
      [prefix, bob],
    );
    const device = newDevice();
    const pages = await sync(store, bob, device, 1000);
    expect(device.records.size).toBe(1000);
    expect(pages.every((p) => p.logsWithRecords.length <= 1000)).toBe(true);

    const counted = counting(store);
    const idle = await pullSpaces({
      store: counted.store,
      account: bob,
      lastChangelogId: device.cursor,
    });
    expect(idle.logsWithRecords).toEqual([]);
    const idleStatements = counted.count();
    // One change in one of the 1,000 scopes.
    const key = `${prefix}:500`;
    await push(bob, [ev.update('Board', key, { name: 'changed' })]);
    const before = counted.count();
    const one = await pullSpaces({
      store: counted.store,
      account: bob,
      lastChangelogId: idle.cursor,
    });
    expect(one.logsWithRecords.map((e) => e.keyPath[0])).toEqual([key]);
    // SET TRANSACTION, scopes with heads, (entries of changed scopes,) account log.
    expect(idleStatements).toBe(3);
    expect(counted.count() - before).toBe(4);
  });
});

/**
 * Late commits in every scope: writers push into two shared scopes and the owner's personal
 * scope at once, each holding its transaction open after its reads, while a member's devices
 * page through with a small limit. After a final drain each holds exactly the server's state.
 */
describe.skipIf(!testDatabaseUrl())('spaces: late commits in every scope [postgres]', () => {
  it('concurrent writers into several scopes: no puller skips an entry', async () => {
    const pg = await createPostgresTestStore(2);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      const alice = uniqueScope('alice');
      const bob = uniqueScope('bob');
      const boards = ['b1', 'b2', 'b3'].map((b) => `${b}-${alice}`);
      await applyPush({
        store: pg.store,
        schema: testSchema,
        account: alice,
        events: boards.map((b) => ev.create('Board', board(b, alice))),
      });
      for (const b of boards.slice(0, 2)) {
        await shareRecord({
          store: pg.store,
          schema: testSchema,
          model: 'Board',
          key: b,
          by: alice,
          account: bob,
        });
      }
      // bob also reads alice's personal scope, as a team member would.
      await grantMembership({ store: pg.store, scope: alice, account: bob, role: 'editor' });

      let writing = true;
      const pullerStores = [await pg.openAnother(1), await pg.openAnother(1)];
      const devices = pullerStores.map(() => newDevice());
      const pullers = pullerStores.map(async (store, i) => {
        while (writing) {
          const page = await pullSpaces({
            store,
            account: bob,
            lastChangelogId: devices[i]!.cursor,
            limit: 5,
          });
          apply(devices[i]!, page);
          if (!page.hasMore) await sleep(Math.random() * 5);
        }
      });
      const writes = [0, 1, 2, 3, 4, 5].map(async (w) => {
        const store = await pg.openAnother(1);
        for (let n = 0; n < 10; n++) {
          const b = boards[(w + n) % 3]!;
          const results = await applyPush({
            store,
            schema: testSchema,
            account: w % 2 === 0 ? alice : bob,
            events: [ev.create('Todo', todo(`t-${w}-${n}-${alice}`, b))],
            customValidation: async () => {
              await sleep(Math.random() * 8);
              return undefined;
            },
          });
          expect(results[0]!.error).toBeNull();
        }
      });
      await Promise.all(writes);
      writing = false;
      await Promise.all(pullers);
      const truth = newDevice();
      await sync(pg.store, bob, truth);
      expect(truth.records.size).toBe(3 + 60);
      for (const device of devices) {
        await sync(pg.store, bob, device, 5);
        expect(device.records).toEqual(truth.records);
      }
    } finally {
      await pg.cleanup();
    }
  });
});
