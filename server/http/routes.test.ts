import {
  ACCOUNT_HEADER,
  ACCOUNT_MISMATCH,
  logWithRecordSchema,
  type PushResult,
  pushResultSchema,
} from 'swsync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeTombstones } from '../changelog/index.ts';
import { StoreClosedError } from '../store/errors.ts';
import type { SyncStore } from '../store/types.ts';
import {
  board,
  describeEachStore,
  ev,
  recordKey,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';
import {
  bearerAuth,
  type ServedApp,
  SseReader,
  serveSyncRoutes,
  TestSyncClient,
} from './testing/index.ts';

function serve(store: SyncStore, heartbeatMs = 60_000): Promise<ServedApp> {
  return serveSyncRoutes({
    store,
    schema: testSchema,
    auth: bearerAuth,
    heartbeatMs,
    customValidation: ({ record }) =>
      record && record.title === 'forbidden' ? 'titles may not be "forbidden"' : null,
  });
}

describeEachStore('syncRoutes over HTTP', (getStore) => {
  let served: ServedApp;
  let base: string;
  const as = (user: string | null) => new TestSyncClient(base, user);

  beforeAll(async () => {
    served = await serve(getStore(), 150);
    base = `${served.url}/api/sync`;
  });
  afterAll(() => served.close());

  describe('status codes', () => {
    it('401 without credentials, on every route', async () => {
      const anon = as(null);
      for (const path of ['push', 'pull']) {
        const answer = await anon.raw(path, path === 'push' ? { events: [] } : {});
        expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      }
      const events = await anon.events();
      expect(events.status).toBe(401);
      expect(await events.json()).toEqual({ error: 'unauthorized' });
    });

    it('400, not an endless 503, when the credentials decode to an account no database holds', async () => {
      // An app whose auth decodes a percent-encoded cookie: `%00` becomes NUL.
      const decoding = await serveSyncRoutes({
        store: getStore(),
        schema: testSchema,
        auth: (c) => decodeURIComponent(c.req.header('authorization')?.slice(7) ?? ''),
      });
      try {
        const odd = new TestSyncClient(`${decoding.url}/api/sync`, '%00alice');
        for (const path of ['push', 'pull']) {
          const answer = await odd.raw(path, path === 'push' ? { events: [] } : {});
          expect(answer).toMatchObject({
            status: 400,
            body: { error: 'the credentials name an invalid account' },
          });
        }
        expect((await odd.events()).status).toBe(400);
      } finally {
        await decoding.close();
      }
    });

    it.each([
      ['not JSON', 'push', '{"events": ['],
      ['an array', 'push', []],
      ['null', 'push', null],
      ['without events', 'push', {}],
      ['events not an array', 'push', { events: {} }],
      ['an event that is not an object', 'push', { events: [1] }],
      ['an event without id', 'push', { events: [{ entityType: 'Board' }] }],
      ['an event with a numeric id', 'push', { events: [{ id: 7 }] }],
      ['clientId not a string', 'push', { events: [], clientId: 5 }],
      ['outboxId empty', 'push', { events: [], outboxId: '' }],
      ['outboxFront 0', 'push', { events: [], outboxId: 'o', outboxFront: 0 }],
      ['an event without outboxSeq', 'push', { events: [{ id: 'e' }], outboxId: 'o' }],
      ['outboxSeq 1.5', 'push', { events: [{ id: 'e', outboxSeq: 1.5 }], outboxId: 'o' }],
      [
        'outboxSeq not increasing',
        'push',
        {
          events: [
            { id: 'e', outboxSeq: 2 },
            { id: 'f', outboxSeq: 2 },
          ],
          outboxId: 'o',
        },
      ],
      ['not JSON', 'pull', 'nope'],
      ['an array', 'pull', []],
      ['lastChangelogId a number', 'pull', { lastChangelogId: 5 }],
      ['a cursor this server never issued', 'pull', { lastChangelogId: 'not-a-cursor' }],
      ['limit 0', 'pull', { limit: 0 }],
      ['limit 1001', 'pull', { limit: 1001 }],
      ['limit 1.5', 'pull', { limit: 1.5 }],
      ['limit a string', 'pull', { limit: '10' }],
    ])('400 for a body that is %s (%s)', async (_name, path, body) => {
      const answer = await as(uniqueScope()).raw(path, body);
      expect(answer.status).toBe(400);
      expect(answer.isJson).toBe(true);
      expect(typeof (answer.body as { error: unknown }).error).toBe('string');
    });

    it('400 for a body sent without a JSON content type', async () => {
      const answer = await as(uniqueScope()).raw('pull', '{}', { 'content-type': 'text/plain' });
      expect(answer).toMatchObject({
        status: 400,
        body: { error: 'content type must be application/json' },
      });
    });

    it('413 for a body over 1 MiB', async () => {
      const pad = 'x'.repeat(1024 * 1024);
      const answer = await as(uniqueScope()).raw('push', { events: [], pad });
      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ error: expect.any(String) });
    });

    it('413 for more than 100 events, counted before the members are checked', async () => {
      const user = uniqueScope();
      const garbage = await as(user).raw('push', { events: Array.from({ length: 101 }, () => 0) });
      expect(garbage).toMatchObject({ status: 413, body: { details: { maxBatchSize: 100 } } });
      const hundred = Array.from({ length: 100 }, () => ev.delete('Board', recordKey('gone')));
      const ok = await as(user).raw('push', { events: hundred });
      expect(ok.status).toBe(200);
      expect(ok.body).toHaveLength(100);
    });

    it('never a 5xx for deep nesting: 400 past the limit, judged per event below it', async () => {
      const user = uniqueScope();
      const nest = (depth: number): unknown => (depth === 0 ? 'x' : [nest(depth - 1)]);
      const deep = {
        ...ev.create('Board', { ...board(recordKey('b'), user), name: nest(240) }),
        lastError: nest(240),
      };
      const below = await as(user).raw('push', { events: [deep] });
      expect(below.status).toBe(200);
      expect((below.body as { error: { type: string } }[])[0]?.error.type).toBe(
        'RECORD_VALIDATION_FAILURE',
      );
      const past = await as(user).raw(
        'push',
        `{"events":[{"id":"e","x":${'['.repeat(400_000)}${']'.repeat(400_000)}}]}`,
      );
      expect(past.status).toBe(400);
    });

    it('404 as JSON for unknown routes and methods, though mounted under a prefix', async () => {
      const answer = await as(uniqueScope()).raw('nowhere', {});
      expect(answer).toMatchObject({ status: 404, isJson: true, body: { error: 'not found' } });
      for (const method of ['GET', 'PUT']) {
        const wrongMethod = await fetch(`${base}/push`, { method });
        expect(wrongMethod.status).toBe(404);
        expect(await wrongMethod.json()).toEqual({ error: 'not found' });
      }
    });
  });

  describe('push results', () => {
    it('reports every error type of the protocol, in request order', async () => {
      const user = uniqueScope();
      const other = uniqueScope();
      const theirs = recordKey('theirs');
      await as(other).push([ev.create('Board', board(theirs, other))]);
      const mine = recordKey('mine');
      const t = recordKey('t');
      const events = [
        ev.create('Board', board(mine, user)),
        ev.create('Nope', { id: 'x' }),
        { ...ev.create('Board', board(recordKey('b'), user)), operation: 'upsert' },
        ev.create('Board', { ...board(recordKey('b'), user), extra: 1 }),
        ev.create('Todo', todo(recordKey('t'), theirs)),
        ev.create('Todo', todo(recordKey('t'), recordKey('missing'))),
        ev.create('Todo', todo(t, mine)),
        ev.update('Todo', recordKey('never'), { done: true }),
        ev.create('Todo', todo(recordKey('t'), mine, 'forbidden')),
        ev.update('Todo', t, { done: true }),
      ];
      const results = await as(user).push(events);
      for (const r of results) pushResultSchema.parse(r);
      expect(results.map((r) => r.id)).toEqual(events.map((e) => e.id));
      expect(results.map((r) => r.error?.type ?? 'ok')).toEqual([
        'ok',
        'INVALID_MODEL',
        'UNKNOWN_OPERATION',
        'RECORD_VALIDATION_FAILURE',
        'SCOPE_VIOLATION',
        'MISSING_PARENT',
        'ok',
        'CONFLICT',
        'CUSTOM_VALIDATION_FAILED',
        'ok',
      ]);
      expect(results[7]).toMatchObject({ appliedChangelogId: null, record: null });
      for (const r of results) {
        if (r.error) expect(r.error.retryable).toBe(false);
        else expect(typeof r.appliedChangelogId).toBe('string');
      }
    });

    it('is idempotent: re-pushing a batch repeats the first results and writes nothing', async () => {
      const user = uniqueScope();
      const key = recordKey('b');
      const batch = [
        ev.create('Board', board(key, user)),
        ev.update('Board', key, { name: 'Renamed' }),
      ];
      const first = await as(user).push(batch, 'client-1');
      const again = await as(user).push(batch, 'client-1');
      expect(again.map((r) => r.appliedChangelogId)).toEqual(
        first.map((r) => r.appliedChangelogId),
      );
      const logs = await as(user).pullAll();
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatchObject({ record: { name: 'Renamed' }, clientId: 'client-1' });
    });

    it('pages a pull with limit, none skipped, none repeated', async () => {
      const user = uniqueScope();
      const keys = Array.from({ length: 7 }, () => recordKey('b'));
      await as(user).push(keys.map((k) => ev.create('Board', board(k, user))));
      const first = await as(user).pull(null, 3);
      expect(first.hasMore).toBe(true);
      expect(first.logsWithRecords).toHaveLength(3);
      const logs = await as(user).pullAll(null, 3);
      for (const log of logs) logWithRecordSchema.parse(log);
      expect(logs.map((l) => l.keyPath[0])).toEqual(keys);
      const tail = await as(user).pull(first.cursor, 1000);
      expect(tail.logsWithRecords.map((l) => l.keyPath[0])).toEqual(keys.slice(3));
      expect(tail.hasMore).toBe(false);
    });

    it('shows cascade deletes in pull, one entry per deleted child', async () => {
      const user = uniqueScope();
      const b = recordKey('b');
      const [t1, t2] = [recordKey('t'), recordKey('t')];
      await as(user).push([
        ev.create('Board', board(b, user)),
        ev.create('Todo', todo(t1, b)),
        ev.create('Todo', todo(t2, b)),
      ]);
      const { cursor } = await as(user).pull();
      const [deleted] = await as(user).push([ev.delete('Board', b)]);
      expect(deleted?.error).toBeNull();
      const logs = await as(user).pullAll(cursor);
      const byKey = new Map(logs.map((l) => [l.keyPath[0], l]));
      expect(logs).toHaveLength(3);
      for (const key of [b, t1, t2]) {
        expect(byKey.get(key)).toMatchObject({ operation: 'delete', record: null });
      }
      expect(byKey.get(t1)?.eventId).toBeNull();
    });
  });

  describe('scope isolation', () => {
    let alice: string;
    let bob: string;
    let aliceBoard: string;
    let aliceTodo: string;
    let bobBoard: string;
    let bobTodo: string;
    beforeAll(async () => {
      alice = uniqueScope('alice');
      bob = uniqueScope('bob');
      aliceBoard = recordKey('ab');
      aliceTodo = recordKey('at');
      bobBoard = recordKey('bb');
      bobTodo = recordKey('bt');
      await as(alice).push([
        ev.create('Board', board(aliceBoard, alice, 'secret board')),
        ev.create('Todo', todo(aliceTodo, aliceBoard, 'secret todo')),
      ]);
      await as(bob).push([
        ev.create('Board', board(bobBoard, bob)),
        ev.create('Todo', todo(bobTodo, bobBoard)),
      ]);
    });

    it.each([
      ['a forged parent', () => ev.create('Todo', todo(recordKey('t'), aliceBoard))],
      ['a forged scope field', () => ev.create('Board', board(recordKey('b'), alice))],
      ['a create of a key the other user owns', () => ev.create('Board', board(aliceBoard, bob))],
      [
        'an update of the other user’s record',
        () => ev.update('Todo', aliceTodo, { title: 'mine now' }),
      ],
      [
        'a full-record update of the other user’s board',
        () => ev.update('Board', aliceBoard, board(aliceBoard, bob)),
      ],
      ['a delete of the other user’s record', () => ev.delete('Board', aliceBoard)],
      [
        'a move into the other user’s board',
        () => ev.update('Todo', bobTodo, { boardId: aliceBoard }),
      ],
      [
        'a stale version against the other user’s record',
        () => ev.update('Todo', aliceTodo, { done: true }, { baseVersion: 0 }),
      ],
    ])('rejects %s with SCOPE_VIOLATION and reveals nothing', async (_name, make) => {
      const [result] = await as(bob).push([make()]);
      expect(result?.error?.type).toBe('SCOPE_VIOLATION');
      expect(result?.appliedChangelogId).toBeNull();
      expect(result?.record ?? null).toBeNull();
      expect(JSON.stringify(result)).not.toMatch(/secret/);
    });

    it('leaves the other user’s data untouched and invisible', async () => {
      const bobs = await as(bob).pullAll();
      expect(JSON.stringify(bobs)).not.toMatch(/secret/);
      expect(bobs.every((l) => l.keyPath[0] === bobBoard || l.keyPath[0] === bobTodo)).toBe(true);
      expect(bobs.find((l) => l.keyPath[0] === bobTodo)?.record).toMatchObject({
        boardId: bobBoard,
      });
      const alices = await as(alice).pullAll();
      expect(alices.map((l) => [l.keyPath[0], l.operation, l.version])).toEqual([
        [aliceBoard, 'create', 1],
        [aliceTodo, 'create', 1],
      ]);
      expect(alices[1]?.record).toMatchObject({ title: 'secret todo', done: false });
    });
  });

  describe('accounts (Swsync-Account)', () => {
    const mismatch = { error: 'another account is signed in', details: { code: ACCOUNT_MISMATCH } };

    it("another account's credentials: 403 ACCOUNT_MISMATCH on every route, nothing applied", async () => {
      const alice = uniqueScope();
      const bob = uniqueScope();
      const asBobForAlice = { [ACCOUNT_HEADER]: alice };
      const key = recordKey('b');
      const push = await as(bob).raw(
        'push',
        { events: [ev.create('Board', board(key, alice))] },
        asBobForAlice,
      );
      expect(push).toMatchObject({ status: 403, body: mismatch });
      expect(await as(bob).raw('pull', {}, asBobForAlice)).toMatchObject({
        status: 403,
        body: mismatch,
      });
      const stream = await fetch(`${base}/events?account=${encodeURIComponent(alice)}`, {
        headers: { authorization: `Bearer ${bob}` },
      });
      expect(stream.status).toBe(403);
      expect(await stream.json()).toEqual(mismatch);
      // The rejected push reached nothing: alice's scope is still empty.
      expect(await as(alice).pullAll()).toEqual([]);
    });

    it('the own account: served as without the header; no credentials stay a 401', async () => {
      const alice = uniqueScope();
      const own = { [ACCOUNT_HEADER]: alice };
      const key = recordKey('b');
      const push = await as(alice).raw(
        'push',
        { events: [ev.create('Board', board(key, alice))] },
        own,
      );
      expect(push.status).toBe(200);
      expect((push.body as { error: unknown }[])[0]!.error).toBeNull();
      const pull = await as(alice).raw('pull', {}, own);
      expect(pull.status).toBe(200);
      expect(await as(null).raw('pull', {}, own)).toMatchObject({ status: 401 });
    });

    it('the header is percent-encoded UTF-8, so any account id can travel', async () => {
      const zoe = uniqueScope('zoë');
      const answer = await as(zoe).raw('pull', {}, { [ACCOUNT_HEADER]: encodeURIComponent(zoe) });
      expect(answer.status).toBe(200);
      const other = await as(zoe).raw(
        'pull',
        {},
        { [ACCOUNT_HEADER]: encodeURIComponent(`${zoe}x`) },
      );
      expect(other.status).toBe(403);
    });

    it('an empty, over-long or badly encoded account is a 400', async () => {
      const alice = uniqueScope();
      for (const value of ['', 'a'.repeat(257), '%E0%A4%A']) {
        const answer = await as(alice).raw('pull', {}, { [ACCOUNT_HEADER]: value });
        expect(answer.status, JSON.stringify(value)).toBe(400);
      }
    });

    it("a cursor is refused (400) on another scope's pull", async () => {
      const alice = uniqueScope();
      const bob = uniqueScope();
      await as(alice).push([ev.create('Board', board(recordKey('b'), alice))]);
      await as(bob).push([ev.create('Board', board(recordKey('b'), bob))]);
      const { cursor } = await as(alice).pull();
      expect(await as(bob).raw('pull', { lastChangelogId: cursor })).toMatchObject({
        status: 400,
        body: { error: 'lastChangelogId was issued to another scope or account' },
      });
      expect(await as(bob).pullAll()).toHaveLength(1);
    });
  });

  describe('pokes', () => {
    it('reach only the pushing user’s streams, with the commit’s cursor, plus heartbeats', async () => {
      const alice = uniqueScope('alice');
      const bob = uniqueScope('bob');
      const aliceStream = new SseReader(await as(alice).events());
      const bobStream = new SseReader(await as(bob).events());
      try {
        const results = await as(alice).push([
          ev.create('Board', board(recordKey('b'), alice)),
          ev.create('Board', board(recordKey('b'), alice)),
        ]);
        const poke = await aliceStream.next((m) => m.event === 'poke');
        // The poke names the commit's last changelog id; pulls carry their own bound cursors.
        expect(JSON.parse(poke.data)).toEqual({ cursor: results[1]?.appliedChangelogId });
        await aliceStream.until(() => aliceStream.comments.includes('heartbeat'), 2000);
        await bobStream.until(() => bobStream.comments.includes('heartbeat'), 2000);
        expect(bobStream.events.filter((m) => m.event === 'poke')).toEqual([]);
        // A rejected-only batch commits nothing and pokes no one.
        await as(alice).push([ev.create('Nope', {})]);
        const bobPush = await as(bob).push([ev.create('Board', board(recordKey('b'), bob))]);
        const bobPoke = await bobStream.next((m) => m.event === 'poke');
        expect(JSON.parse(bobPoke.data)).toEqual({ cursor: bobPush[0]?.appliedChangelogId });
        expect(aliceStream.events.filter((m) => m.event === 'poke')).toHaveLength(1);
      } finally {
        aliceStream.close();
        bobStream.close();
      }
    });
  });
  describe('expired cursors', () => {
    it('409 cursor expired for a cursor older than the retained changelog', async () => {
      const user = uniqueScope();
      const key = recordKey('b');
      await as(user).push([ev.create('Board', board(key, user))]);
      const { cursor } = await as(user).pull();
      await as(user).push([ev.delete('Board', key)]);
      // Purges every tombstone of the store (hence the last test of this suite).
      await purgeTombstones({ store: getStore(), retentionMs: -60_000 });
      const answer = await as(user).raw('pull', { lastChangelogId: cursor });
      expect(answer).toEqual(
        expect.objectContaining({ status: 409, body: { error: 'cursor expired' } }),
      );
      // A full pull starts over.
      expect((await as(user).pull(null)).logsWithRecords).toEqual([]);
    });
  });
});

describeEachStore('syncRoutes with a scopeKey function', (getStore) => {
  let served: ServedApp;
  beforeAll(async () => {
    served = await serveSyncRoutes({
      store: getStore(),
      schema: testSchema,
      // Identities look like "<tenant>:<member>"; the tenant is the scope.
      auth: bearerAuth,
      scopeKey: (identity) => `tenant-${identity.split(':')[0]}`,
    });
  });
  afterAll(() => served.close());

  it('scopes push, pull and pokes by the function of the identity', async () => {
    const tenant = uniqueScope('t').replace(/:/g, '');
    const member = (name: string) =>
      new TestSyncClient(`${served.url}/api/sync`, `${tenant}:${name}`);
    const stranger = new TestSyncClient(`${served.url}/api/sync`, `${uniqueScope('x')}:eve`);
    const sse = new SseReader(await member('bob').events());
    try {
      const key = recordKey('b');
      const [ok] = await member('alice').push([ev.create('Board', board(key, `tenant-${tenant}`))]);
      expect(ok?.error).toBeNull();
      const [wrong] = await member('alice').push([
        ev.create('Board', board(recordKey('b'), `${tenant}:alice`)),
      ]);
      expect(wrong?.error?.type).toBe('SCOPE_VIOLATION');
      expect((await member('bob').pullAll()).map((l) => l.keyPath[0])).toEqual([key]);
      expect(await stranger.pullAll()).toEqual([]);
      const poke = await sse.next((m) => m.event === 'poke');
      expect(JSON.parse(poke.data)).toEqual({ cursor: ok?.appliedChangelogId });
    } finally {
      sse.close();
    }
  });
});

describe('syncRoutes faults', () => {
  it('answers 503 with Retry-After when the store is unavailable, and applies nothing', async () => {
    const broken = {
      kind: 'pglite',
      query: () => Promise.reject(new StoreClosedError()),
      transaction: () => Promise.reject(new StoreClosedError()),
      listen: () => Promise.reject(new StoreClosedError()),
      close: async () => {},
    } satisfies SyncStore;
    const served = await serve(broken);
    try {
      const client = new TestSyncClient(`${served.url}/api/sync`, 'u1');
      const push = await client.raw('push', { events: [ev.create('Board', board('b', 'u1'))] });
      expect(push.status).toBe(503);
      expect(push.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(push.body).toMatchObject({ error: expect.any(String) });
      const pull = await client.raw('pull', {});
      expect(pull.status).toBe(503);
      const events = await client.events();
      expect(events.status).toBe(503);
      expect(await events.json()).toMatchObject({ error: expect.any(String) });
    } finally {
      await served.close();
    }
  });
});

describeEachStore('outbox counters over HTTP', (getStore) => {
  const countRows = async (table: string, column: string, value: string) => {
    const [row] = await getStore().query<{ n: string | number }>(
      `SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`,
      [value],
    );
    return Number(row!.n);
  };

  it('a replayed request repeats its answer; the counter is kept per signed-in account', async () => {
    const served = await serve(getStore());
    try {
      const user = uniqueScope();
      const b = recordKey('board');
      const body = {
        events: [
          { ...ev.create('Board', board(b, user)), outboxSeq: 1 },
          { ...ev.update('Board', b, { name: 'renamed' }), outboxSeq: 2 },
        ],
        clientId: 'c1',
        outboxId: 'outbox-1',
        outboxFront: 1,
      };
      const client = new TestSyncClient(`${served.url}/api/sync`, user);
      const first = await client.raw('push', body);
      expect(first.status).toBe(200);
      expect((first.body as PushResult[]).map((r) => [r.error, r.version])).toEqual([
        [null, 1],
        [null, 2],
      ]);
      expect(await client.raw('push', body)).toMatchObject({ status: 200, body: first.body });
      expect(await countRows('swsync_outboxes', 'owner', user)).toBe(1);
      expect(await countRows('swsync_events', 'scope', user)).toBe(0);
    } finally {
      await served.close();
    }
  });

  it('with outboxCounters: false the counters are ignored and event ids remembered, as in v1', async () => {
    const served = await serveSyncRoutes({
      store: getStore(),
      schema: testSchema,
      auth: bearerAuth,
      outboxCounters: false,
    });
    try {
      const user = uniqueScope();
      const b = recordKey('board');
      const body = {
        events: [{ ...ev.create('Board', board(b, user)), outboxSeq: 1 }],
        outboxId: 'outbox-1',
      };
      const client = new TestSyncClient(`${served.url}/api/sync`, user);
      const first = await client.raw('push', body);
      expect(await client.raw('push', body)).toMatchObject({ status: 200, body: first.body });
      expect(await countRows('swsync_outboxes', 'owner', user)).toBe(0);
      expect(await countRows('swsync_events', 'scope', user)).toBe(1);
    } finally {
      await served.close();
    }
  });
});
