import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import {
  ACCOUNT_HEADER,
  type BroadcastMessage,
  PAGE_PROTOCOL_VERSION,
  type Write,
} from 'swsync/schema';
import { pullAndMaterializeLogs } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { AccountMismatchError } from '../../errors.ts';
import type { KnownDatabases } from '../../host/known-databases.ts';
import { createSyncHost } from '../../host/sync-host.ts';
import { META_KEYS, STORES } from '../../store/layout.ts';
import { openLocalDb } from '../../store/open.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { faultyFetch } from '../../testing/faults.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
import { createEngine } from '../create-engine.ts';

/**
 * One browser, several accounts (issue #8): a cookie jar shared by every database, a worker
 * host syncing all of them, and the real server. Each numbered case of the issue is a test.
 */
export function accountsSuite(f: SyncFixture): void {
  /**
   * A browser: one cookie jar (the test server's auth reads `x-user`) shared by every request
   * of every database, like a session cookie; `user: null` is a signed-out browser.
   */
  function browser(retryMs = 3_600_000) {
    const jar = { user: null as string | null };
    const requests: { path: string; account: string | null; as: string | null }[] = [];
    let failing = false;
    const fetchWithJar: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      if (jar.user === null) headers.delete('x-user');
      else headers.set('x-user', jar.user);
      const url = String(input);
      requests.push({
        path: url.slice(url.lastIndexOf('/')),
        account: headers.get(ACCOUNT_HEADER),
        as: jar.user,
      });
      if (failing) return new Response('{"error":"down"}', { status: 503 });
      return fetch(input, { ...init, headers });
    };
    const indexedDB = new IDBFactory();
    const messages = new Map<string, BroadcastMessage[]>();
    const names = new Set<string>();
    const known: KnownDatabases = {
      add: async (name) => void names.add(name),
      remove: async (name) => void names.delete(name),
      has: async (name) => names.has(name),
      list: async () => [...names],
    };
    const host = createSyncHost({
      known,
      schema: demoSchema,
      endpoint: f.server.endpoint,
      writeDebounceMs: 0,
      createEngine: (options) =>
        createEngine({
          ...options,
          indexedDB,
          fetch: fetchWithJar,
          isOnline: () => true,
          // Tests drive retries themselves unless they ask for quick ones.
          backoff: { baseMs: retryMs, capMs: retryMs },
          onBroadcast: (m) => {
            const list = messages.get(options.dbName) ?? [];
            list.push(m);
            messages.set(options.dbName, list);
          },
        }),
    });
    const { rpc } = host;
    return {
      jar,
      requests,
      host,
      rpc,
      indexedDB,
      known,
      messages,
      setFailing: (value: boolean) => {
        failing = value;
      },
      /** What a page does when it opens the database of a signed-in account. */
      open: (db: string, account: string) => rpc.hello(db, PAGE_PROTOCOL_VERSION, account),
      write: (db: string, writes: Write[]) => rpc.write(db, randomUUID(), writes),
      status: (db: string) => rpc.status(db),
      /** Everything in one model store of a database, read as a page would. */
      async local(db: string, model: 'Board' | 'Todo') {
        const local = await openLocalDb({ schema: demoSchema, dbName: db, indexedDB });
        try {
          return (await local.getAll(model)) as { id: string }[];
        } finally {
          local.close();
        }
      },
      async cursor(db: string) {
        const local = await openLocalDb({ schema: demoSchema, dbName: db, indexedDB });
        try {
          return (await local.get(STORES.meta, META_KEYS.cursor)) as string | undefined;
        } finally {
          local.close();
        }
      },
    };
  }

  const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
  const rejectedIn = (messages: BroadcastMessage[] | undefined) =>
    (messages ?? []).filter((m) => m.type === 'rejected');

  async function serverBoards(scope: string) {
    const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: scope, limit: 1000 });
    return page.logsWithRecords.filter((l) => l.record !== null).map((l) => String(l.keyPath[0]));
  }

  describe('accounts on one browser', () => {
    it('1. a write queued by A is never pushed with B’s session: paused, kept, sent at A’s next sign-in', async () => {
      // Quick retries: A's scheduled retry is what meets B's session.
      const b = browser(20);
      const alice = randomUUID();
      const bob = randomUUID();
      const aliceDb = `app-${alice}`;
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      b.setFailing(true);
      await b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-a1', alice) }]);
      await b.rpc.syncNow(aliceDb);
      expect((await b.status(aliceDb)).pending).toBe(1);

      // A's session ends without the app signing out (cookie replaced), B signs in, and the
      // server recovers: A's retry now goes out with B's cookie.
      b.jar.user = bob;
      const bobDb = `app-${bob}`;
      await b.open(bobDb, bob);
      b.setFailing(false);
      await b.write(bobDb, [{ op: 'create', model: 'Board', record: board('b-b1', bob) }]);
      await expect.poll(async () => (await b.status(aliceDb)).paused).toBe('account-mismatch');
      // Every host-wide trigger syncs every database the worker knows: A's stays paused.
      for (const reason of ['startup', 'online', 'timer', 'background-sync']) {
        await b.host.syncAll(reason);
      }
      const aliceStatus = await b.status(aliceDb);
      expect(aliceStatus).toMatchObject({ pending: 1, paused: 'account-mismatch' });
      expect(aliceStatus.lastError?.code).toBe('ACCOUNT_MISMATCH');
      expect(ids(await b.local(aliceDb, 'Board'))).toEqual(['b-a1']);
      expect(rejectedIn(b.messages.get(aliceDb))).toEqual([]);
      expect(await serverBoards(alice)).toEqual([]);
      expect(await serverBoards(bob)).toEqual(['b-b1']);
      // Every request made for A's database named A; none ever went out with B's session
      // without saying so.
      const forAlice = b.requests.filter((r) => r.account === alice);
      expect(forAlice.length).toBeGreaterThan(0);
      expect(b.requests.filter((r) => r.account === null)).toEqual([]);

      // A signs in again: A's page opens A's database; it resumes at once, no restart.
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      await expect.poll(async () => (await b.status(aliceDb)).pending).toBe(0);
      expect(await serverBoards(alice)).toEqual(['b-a1']);
      expect((await b.status(aliceDb)).paused).toBeNull();
      // B's database is now the one waiting; B's data stayed B's.
      await b.host.syncAll('timer');
      expect((await b.status(bobDb)).paused).toBe('account-mismatch');
      expect(ids(await b.local(bobDb, 'Board'))).toEqual(['b-b1']);
    });

    it('2. a host-wide pull of A’s database under B’s session writes nothing and keeps A’s cursor', async () => {
      const b = browser();
      const alice = randomUUID();
      const bob = randomUUID();
      const aliceDb = `app-${alice}`;
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      await b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-a2', alice) }]);
      await b.rpc.syncNow(aliceDb);
      const cursorBefore = await b.cursor(aliceDb);
      expect(cursorBefore).toBeDefined();

      b.jar.user = bob;
      const bobDb = `app-${bob}`;
      await b.open(bobDb, bob);
      await b.write(bobDb, [{ op: 'create', model: 'Board', record: board('b-b2', bob) }]);
      await b.rpc.syncNow(bobDb);
      // Meanwhile A writes on another device.
      const otherDevice = await createEngine({
        schema: demoSchema,
        endpoint: f.server.endpoint,
        dbName: 'other-device',
        account: alice,
        indexedDB: new IDBFactory(),
        isOnline: () => true,
      });
      otherDevice.setHeaders({ 'x-user': alice });
      await otherDevice.create('Board', board('b-a2-other', alice));
      await otherDevice.sync();
      await otherDevice.close();

      await b.host.syncAll('startup');
      expect(ids(await b.local(aliceDb, 'Board'))).toEqual(['b-a2']);
      expect(await b.cursor(aliceDb)).toBe(cursorBefore);

      b.jar.user = alice;
      await b.open(aliceDb, alice);
      await expect
        .poll(async () => ids(await b.local(aliceDb, 'Board')))
        .toEqual(['b-a2', 'b-a2-other']);
    });

    it('3. after the session is lost, signing in as the same user resumes within seconds', async () => {
      const b = browser();
      const alice = randomUUID();
      const aliceDb = `app-${alice}`;
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      b.jar.user = null; // the cookie expired or was cleared
      await b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-a3', alice) }]);
      await expect.poll(async () => (await b.status(aliceDb)).paused).toBe('unauthorized');
      expect((await b.status(aliceDb)).pending).toBe(1);

      b.jar.user = alice; // the sign-in form sets a new cookie, the app opens the client again
      await b.open(aliceDb, alice);
      await expect.poll(async () => (await b.status(aliceDb)).pending).toBe(0);
      expect(await serverBoards(alice)).toEqual(['b-a3']);
    });

    it('3b. a lost session signed in again without a new client: the event stream opening resumes it', async () => {
      const b = browser();
      const alice = randomUUID();
      const aliceDb = `app-${alice}`;
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      b.jar.user = null;
      await b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-a3b', alice) }]);
      await expect.poll(async () => (await b.status(aliceDb)).paused).toBe('unauthorized');
      // Still unauthorized: a plain poke does not lift the pause (no request storm of 401s).
      const before = b.requests.length;
      await b.rpc.poke(aliceDb, 'poke');
      await b.host.syncAll('timer');
      expect(b.requests.length).toBe(before);

      // Signed in again (another tab, or the app's own form); the page's stream opens for it.
      b.jar.user = alice;
      await b.rpc.poke(aliceDb, 'authorized');
      await expect.poll(async () => (await b.status(aliceDb)).pending).toBe(0);
      expect(await serverBoards(alice)).toEqual(['b-a3b']);
    });

    it('a page cannot poke a signed-out database back to life: only its sign-in can', async () => {
      const b = browser();
      const alice = randomUUID();
      const aliceDb = `app-${alice}`;
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      await b.rpc.signOut(aliceDb);
      await b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-so2', alice) }]);
      const before = b.requests.length;
      for (const reason of ['authorized', 'resume', 'online', 'visible'] as const) {
        await b.rpc.poke(aliceDb, reason as 'authorized');
      }
      await b.rpc.syncNow(aliceDb);
      expect(b.requests.length).toBe(before);
      expect((await b.status(aliceDb)).paused).toBe('signed-out');
    });

    it('4. a foreign cursor is a 400 and that database alone starts over, keeping its pending writes', async () => {
      const b = browser();
      const alice = randomUUID();
      const bob = randomUUID();
      const aliceDb = `app-${alice}`;
      const bobDb = `app-${bob}`;
      b.jar.user = bob;
      await b.open(bobDb, bob);
      await b.write(bobDb, [{ op: 'create', model: 'Board', record: board('b-b4', bob) }]);
      await b.rpc.syncNow(bobDb);
      const bobCursor = await b.cursor(bobDb);

      b.jar.user = alice;
      await b.open(aliceDb, alice);
      await b.write(aliceDb, [
        { op: 'create', model: 'Board', record: board('b-a4', alice) },
        { op: 'create', model: 'Todo', record: todo('t-a4', 'b-a4') },
      ]);
      await b.rpc.syncNow(aliceDb);
      b.setFailing(true);
      await b.write(aliceDb, [{ op: 'update', model: 'Todo', key: 't-a4', patch: { done: true } }]);
      b.setFailing(false);
      // Bob's cursor lands in Alice's database (a restored backup, a bug elsewhere).
      const local = await openLocalDb({
        schema: demoSchema,
        dbName: aliceDb,
        indexedDB: b.indexedDB,
      });
      await local.put(STORES.meta, bobCursor, META_KEYS.cursor);
      local.close();

      const pullsBefore = b.requests.filter((r) => r.path === '/pull').length;
      const status = await b.rpc.syncNow(aliceDb);
      expect(status).toMatchObject({ pending: 0, lastError: null, paused: null });
      expect(ids(await b.local(aliceDb, 'Board'))).toEqual(['b-a4']);
      expect(await b.local(aliceDb, 'Todo')).toMatchObject([{ id: 't-a4', done: true }]);
      // Only Alice's database pulled again; Bob's cursor is untouched.
      const pulls = b.requests.filter((r) => r.path === '/pull').slice(pullsBefore);
      expect(pulls.every((r) => r.account === alice)).toBe(true);
      expect(await b.cursor(bobDb)).toBe(bobCursor);
      expect(await b.cursor(aliceDb)).not.toBe(bobCursor);
    });

    it('sign out: no request at all for that database, across a restart, until the same account opens it', async () => {
      const b = browser();
      const alice = randomUUID();
      const aliceDb = `app-${alice}`;
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      b.setFailing(true);
      await b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-so', alice) }]);
      await b.rpc.syncNow(aliceDb);
      expect(await b.rpc.signOut(aliceDb)).toEqual({ pending: 1 });
      b.setFailing(false);

      const before = b.requests.length;
      await b.host.syncAll('startup');
      await b.rpc.syncNow(aliceDb);
      // A restarted worker: a new host over the same IndexedDB still leaves it alone.
      const restarted = createSyncHost({
        known: b.known,
        schema: demoSchema,
        endpoint: f.server.endpoint,
        createEngine: (options) =>
          createEngine({ ...options, indexedDB: b.indexedDB, isOnline: () => true }),
      });
      expect((await restarted.rpc.syncNow(aliceDb)).paused).toBe('signed-out');
      expect(b.requests.length).toBe(before);
      expect(await serverBoards(alice)).toEqual([]);

      await b.open(aliceDb, alice);
      await expect.poll(async () => (await b.status(aliceDb)).pending).toBe(0);
      expect(await serverBoards(alice)).toEqual(['b-so']);
    });

    it('a sign-out during a run stands, whatever the run then meets', async () => {
      const alice = randomUUID();
      const faulty = faultyFetch();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      faulty.plan = async (path) => {
        if (path !== '/push') return undefined;
        await held;
        return { status: 401 };
      };
      const engine = await createEngine({
        schema: demoSchema,
        endpoint: f.server.endpoint,
        account: alice,
        indexedDB: new IDBFactory(),
        isOnline: () => true,
        fetch: faulty.fetch,
      });
      await engine.create('Board', board('b-mid', alice));
      const run = engine.sync('manual');
      await expect.poll(() => faulty.calls.length).toBe(1);
      expect(await engine.signOut()).toEqual({ pending: 1 });
      release();
      expect(await run).toMatchObject({ paused: 'signed-out', pending: 1 });
      await engine.sync('manual');
      expect(faulty.calls).toEqual(['/push']);
      await engine.close();
    });

    it('a database belongs to one account: another account cannot open it', async () => {
      const b = browser();
      const alice = randomUUID();
      const aliceDb = `app-${alice}`;
      await b.open(aliceDb, alice);
      await expect(b.open(aliceDb, randomUUID())).rejects.toBeInstanceOf(AccountMismatchError);
      await expect(
        createEngine({
          schema: demoSchema,
          endpoint: f.server.endpoint,
          dbName: aliceDb,
          account: 'mallory',
          indexedDB: b.indexedDB,
        }),
      ).rejects.toMatchObject({ code: 'ACCOUNT_MISMATCH' });
      expect((await b.open(aliceDb, alice)).account).toBe(alice);
    });

    it('forget deletes the database for good: no trigger and no stale tab brings it back', async () => {
      const b = browser();
      const alice = randomUUID();
      const bob = randomUUID();
      const aliceDb = `app-${alice}`;
      b.jar.user = alice;
      await b.open(aliceDb, alice);
      await b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-fg', alice) }]);
      // Another tab of Alice's app hears that the database is gone.
      await b.rpc.forget(aliceDb);
      const last = b.messages.get(aliceDb)?.at(-1);
      expect(last).toMatchObject({ type: 'status', status: { paused: 'signed-out' } });
      const names = async () => (await b.indexedDB.databases()).map((d) => d.name);
      expect(await names()).not.toContain(aliceDb);

      // Bob signs in; Alice's stale tab (already handshaken) still calls the worker.
      b.jar.user = bob;
      await b.open(`app-${bob}`, bob);
      const before = b.requests.length;
      for (const call of [
        () => b.write(aliceDb, [{ op: 'create', model: 'Board', record: board('b-st', alice) }]),
        () => b.rpc.syncNow(aliceDb),
        () => b.status(aliceDb),
        () => b.rpc.poke(aliceDb, 'poke'),
        () => b.rpc.signOut(aliceDb),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'UNKNOWN_DATABASE' });
      }
      for (const reason of ['startup', 'online', 'timer', 'background-sync']) {
        await b.host.syncAll(reason);
      }
      expect(await names()).not.toContain(aliceDb);
      expect(b.requests.slice(before).filter((r) => r.account !== bob)).toEqual([]);
      // Alice signing in again starts an empty database bound to her.
      b.jar.user = alice;
      expect((await b.open(aliceDb, alice)).account).toBe(alice);
    });

    it('once accounts are in use, host-wide triggers leave databases of no account to their pages', async () => {
      const b = browser();
      const alice = randomUUID();
      const bob = randomUUID();
      // A v1 database of Alice's, left from before the app named accounts, with a pending write.
      b.jar.user = alice;
      await b.rpc.hello('swsync', PAGE_PROTOCOL_VERSION, null);
      b.setFailing(true);
      await b.write('swsync', [{ op: 'create', model: 'Board', record: board('b-v1', alice) }]);
      await b.rpc.syncNow('swsync');
      b.setFailing(false);
      b.jar.user = bob;
      await b.open(`app-${bob}`, bob);
      const before = b.requests.length;
      for (const reason of ['startup', 'online', 'timer', 'background-sync']) {
        await b.host.syncAll(reason);
      }
      expect(b.requests.slice(before).filter((r) => r.account === null)).toEqual([]);
      expect((await b.status('swsync')).pending).toBe(1);
      expect(rejectedIn(b.messages.get('swsync'))).toEqual([]);
    });

    it('an account id the header cannot carry is refused when the database is opened', async () => {
      const options = {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        indexedDB: new IDBFactory(),
      };
      await expect(createEngine({ ...options, account: 'a'.repeat(257) })).rejects.toBeInstanceOf(
        RangeError,
      );
      await expect(createEngine({ ...options, account: '' })).rejects.toBeInstanceOf(RangeError);
      const b = browser();
      await expect(b.open('app-long', 'a'.repeat(257))).rejects.toBeInstanceOf(RangeError);
    });
  });
}
