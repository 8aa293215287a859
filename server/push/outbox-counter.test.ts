import { randomUUID } from 'node:crypto';
import type { PushResult } from 'swsync/schema';
import { expect, it } from 'vitest';
import { shareRecord } from '../spaces/index.ts';
import {
  board,
  describeEachStore,
  driverError,
  ev,
  recordKey,
  testSchema,
  todo,
  uniqueScope,
  withFaults,
  withLostCommits,
} from '../testing/index.ts';
import { applyPush, type PushEventInput } from './index.ts';
import { MAX_KEPT_RESULTS } from './outbox-counter.ts';

/** Events numbered from `from` on, as an engine's outbox numbers them. */
const numbered = (from: number, events: readonly PushEventInput[]) =>
  events.map((event, i) => ({ ...event, outboxSeq: from + i }));

describeEachStore('outbox counters', (getStore) => {
  const store = () => getStore();
  /** A push of one outbox of `account` (spaces rules: the counter belongs to the account). */
  const push = (
    account: string,
    outbox: string,
    events: readonly PushEventInput[],
    front?: number,
  ) =>
    applyPush({
      store: store(),
      schema: testSchema,
      account,
      events,
      clientId: outbox,
      outbox: front === undefined ? { id: outbox } : { id: outbox, front },
    });
  const pushV1 = (account: string, events: readonly PushEventInput[]) =>
    applyPush({ store: store(), schema: testSchema, account, events });

  const errors = (results: PushResult[]) => results.map((r) => r.error?.type ?? null);
  const entries = async (key: string) => {
    const rows = await store().query<{ version: number; event_id: string }>(
      `SELECT version, event_id FROM swsync_records WHERE model = 'Todo' AND key = $1`,
      [JSON.stringify(key)],
    );
    return rows[0];
  };
  const outboxRow = async (owner: string, outbox: string) => {
    const [row] = await store().query<{ last_seq: string | number; results: unknown[] }>(
      'SELECT last_seq, results FROM swsync_outboxes WHERE owner = $1 AND outbox_id = $2',
      [owner, outbox],
    );
    return row && { last: Number(row.last_seq), kept: row.results.length };
  };
  const ledgerRows = async (account: string) => {
    const [row] = await store().query<{ n: string | number }>(
      'SELECT count(*) AS n FROM swsync_events WHERE scope = $1',
      [account],
    );
    return Number(row!.n);
  };

  async function withBoard() {
    const account = uniqueScope('acct');
    const b = recordKey('board');
    const outbox = randomUUID();
    const [made] = await push(
      account,
      outbox,
      numbered(1, [ev.create('Board', board(b, account))]),
    );
    expect(made!.error).toBeNull();
    return { account, b, outbox };
  }

  it('a whole batch replayed applies nothing and repeats every result, rejections included', async () => {
    const { account, b, outbox } = await withBoard();
    const t = recordKey('todo');
    const batch = numbered(2, [
      ev.create('Todo', todo(t, b)),
      ev.create('Todo', todo(recordKey('todo'), 'no-such-board')),
      ev.update('Todo', t, { title: 'second' }),
    ]);
    const first = await push(account, outbox, batch);
    expect(errors(first)).toEqual([null, 'MISSING_PARENT', null]);
    const again = await push(account, outbox, batch);
    expect(again).toEqual(first);
    expect(await entries(t)).toMatchObject({ version: 2 });
    // One row for the outbox (the board's result forgotten: below the front), none in the
    // per-event ledger.
    expect(await outboxRow(account, outbox)).toEqual({ last: 4, kept: 3 });
    expect(await ledgerRows(account)).toBe(0);
  });

  it('a batch retried with more events behind it repeats the first part and applies the rest', async () => {
    const { account, b, outbox } = await withBoard();
    const [t1, t2, t3] = [recordKey('todo'), recordKey('todo'), recordKey('todo')];
    const first = await push(account, outbox, numbered(2, [ev.create('Todo', todo(t1, b))]));
    const more = numbered(2, [
      ev.create('Todo', todo(t1, b)),
      ev.create('Todo', todo(t2, b)),
      ev.update('Todo', t1, { done: true }),
      ev.create('Todo', todo(t3, b)),
    ]);
    // Same id as the first push's event: a retry of it, with new events behind.
    more[0] = { ...more[0]!, id: first[0]!.id };
    const results = await push(account, outbox, more);
    expect(results[0]).toEqual(first[0]);
    expect(errors(results)).toEqual([null, null, null, null]);
    expect((await entries(t1))?.version).toBe(2);
    expect(await outboxRow(account, outbox)).toMatchObject({ last: 5 });
    expect(await push(account, outbox, more)).toEqual(results);
  });

  it('a replayed rejection carries the record as it is now; the counter went past it', async () => {
    const account = uniqueScope('acct');
    const outbox = randomUUID();
    const note = Math.floor(Math.random() * 1e9);
    const create = ev.create('Note', { id: note, ownerId: account, body: 'a' });
    const stale = ev.update('Note', note, { body: 'b' }, { baseVersion: 7 });
    const first = await push(account, outbox, numbered(1, [create, stale]));
    expect(errors(first)).toEqual([null, 'CONFLICT']);
    expect(first[1]).toMatchObject({ record: { body: 'a' }, version: 1 });
    // Another client changes the note; the replay answers the same rejection, current record.
    await pushV1(account, [ev.update('Note', note, { body: 'c' })]);
    const again = await push(account, outbox, numbered(1, [create, stale]));
    expect(again[0]).toEqual(first[0]);
    expect(again[1]).toMatchObject({
      error: first[1]!.error,
      record: { body: 'c' },
      version: 2,
    });
    // The next event of the outbox is new and applied.
    const next = await push(account, outbox, numbered(3, [ev.update('Note', note, { body: 'd' })]));
    expect(next[0]).toMatchObject({ error: null, version: 3 });
  });

  it('gaps are allowed; an event below the high-water mark the outbox no longer knows is never applied', async () => {
    const { account, b, outbox } = await withBoard();
    const [t10, t20, t15] = [recordKey('todo'), recordKey('todo'), recordKey('todo')];
    const jumped = await push(
      account,
      outbox,
      [ev.create('Todo', todo(t10, b)), ev.create('Todo', todo(t20, b))].map((e, i) => ({
        ...e,
        outboxSeq: [10, 20][i]!,
      })),
    );
    expect(errors(jumped)).toEqual([null, null]);
    // Seq 15 was never seen: only a client that broke the protocol sends it after 20. It is
    // taken as processed, not applied, and answered with the record's current state.
    const late = await push(
      account,
      outbox,
      [{ ...ev.create('Todo', todo(t15, b)), outboxSeq: 15 }],
      15,
    );
    expect(late[0]).toEqual({
      id: late[0]!.id,
      appliedChangelogId: null,
      error: null,
      record: null,
      current: true,
    });
    expect(await entries(t15)).toBeUndefined();
  });

  it('the results kept are those at or above the front; an older one is answered with the current state', async () => {
    const { account, b, outbox } = await withBoard();
    const t = recordKey('todo');
    const create = { ...ev.create('Todo', todo(t, b)), outboxSeq: 2 };
    await push(account, outbox, [create]);
    await push(account, outbox, numbered(3, [ev.update('Todo', t, { done: true })]), 3);
    expect(await outboxRow(account, outbox)).toEqual({ last: 3, kept: 1 });
    const again = await push(account, outbox, [create]);
    expect(again[0]).toMatchObject({
      error: null,
      current: true,
      record: { id: t, done: true },
      version: 2,
    });
    expect((await entries(t))?.version).toBe(2);
  });

  it('a recreated outbox under a new id starts afresh; the same id with a reset counter applies nothing', async () => {
    const { account, b, outbox } = await withBoard();
    const t1 = recordKey('todo');
    // The server cannot tell a reused id from a retry: seq 1 was the board, so the answer is
    // the board's. Nothing is applied twice; the reusing client is misinformed (a client bug).
    const reused = await push(account, outbox, numbered(1, [ev.create('Todo', todo(t1, b))]));
    expect(reused[0]).toMatchObject({ error: null, version: 1 });
    expect(await entries(t1)).toBeUndefined();
    const fresh = await push(account, randomUUID(), numbered(1, [ev.create('Todo', todo(t1, b))]));
    expect(fresh[0]).toMatchObject({ error: null, version: 1 });
    expect(fresh[0]!.appliedChangelogId).not.toBeNull();
  });

  it('counters are kept per account: another account with the same outbox id is not affected', async () => {
    const { outbox } = await withBoard();
    const other = uniqueScope('acct');
    const b = recordKey('board');
    const results = await push(other, outbox, numbered(1, [ev.create('Board', board(b, other))]));
    expect(results[0]).toMatchObject({ error: null, version: 1 });
  });

  it('v1 clients and counter clients of one account push side by side', async () => {
    const { account, b, outbox } = await withBoard();
    const [t1, t2] = [recordKey('todo'), recordKey('todo')];
    const v1 = [ev.create('Todo', todo(t1, b))];
    const firstV1 = await pushV1(account, v1);
    const counted = numbered(2, [
      ev.update('Todo', t1, { title: 'x' }),
      ev.create('Todo', todo(t2, b)),
    ]);
    const firstCounted = await push(account, outbox, counted);
    expect(await pushV1(account, v1)).toEqual(firstV1);
    expect(await push(account, outbox, counted)).toEqual(firstCounted);
    expect((await entries(t1))?.version).toBe(2);
    expect(await ledgerRows(account)).toBe(1);
  });

  it('an event applied before its record was shared is recognised after the move', async () => {
    const { account, b, outbox } = await withBoard();
    const t = recordKey('todo');
    const batch = numbered(2, [ev.create('Todo', todo(t, b))]);
    const first = await push(account, outbox, batch);
    await shareRecord({ store: store(), schema: testSchema, model: 'Board', key: b, by: account });
    expect(await push(account, outbox, batch)).toEqual(first);
  });

  it('two copies of one batch at once: one applies, the other repeats its results', async () => {
    const { account, b, outbox } = await withBoard();
    const batch = numbered(
      2,
      Array.from({ length: 5 }, () => ev.create('Todo', todo(recordKey('todo'), b))),
    );
    const [one, two] = await Promise.all([
      push(account, outbox, batch),
      push(account, outbox, batch),
    ]);
    expect(one).toEqual(two);
    for (const event of batch as unknown as { payload: { id: string } }[]) {
      expect((await entries(event.payload.id))?.version).toBe(1);
    }
  });

  it('refuses events without a growing outboxSeq before anything is applied', async () => {
    const { account, b, outbox } = await withBoard();
    const t = recordKey('todo');
    const events = [
      { ...ev.create('Todo', todo(t, b)), outboxSeq: 3 },
      { ...ev.create('Todo', todo(recordKey('todo'), b)), outboxSeq: 3 },
    ];
    await expect(push(account, outbox, events)).rejects.toThrow(TypeError);
    await expect(push(account, outbox, [ev.create('Todo', todo(t, b))])).rejects.toThrow(TypeError);
    expect(await entries(t)).toBeUndefined();
  });

  it('a COMMIT whose acknowledgement was lost is retried inside and recognised: applied once', async () => {
    const { account, b, outbox } = await withBoard();
    const t = recordKey('todo');
    const lossy = withLostCommits(store(), 1);
    const events = numbered(2, [
      ev.create('Todo', todo(t, b)),
      ev.update('Todo', t, { done: true }),
    ]);
    const results = await applyPush({
      store: lossy,
      schema: testSchema,
      account,
      events,
      outbox: { id: outbox },
    });
    expect(lossy.lost()).toBe(1);
    expect(results.map((r) => [r.error, r.version])).toEqual([
      [null, 1],
      [null, 2],
    ]);
    expect((await entries(t))?.version).toBe(2);
  });

  it('a serialization failure on the outbox row rolls the batch back; the retry applies it once', async () => {
    const { account, b, outbox } = await withBoard();
    const t = recordKey('todo');
    const flaky = withFaults(store(), {
      when: (sql) => sql.includes('UPDATE swsync_outboxes'),
      error: () => driverError('40001'),
      times: 1,
    });
    const results = await applyPush({
      store: flaky,
      schema: testSchema,
      account,
      events: numbered(2, [ev.create('Todo', todo(t, b))]),
      outbox: { id: outbox },
    });
    expect(results[0]).toMatchObject({ error: null, version: 1 });
    expect(await outboxRow(account, outbox)).toMatchObject({ last: 2 });
  });

  it(`keeps at most ${MAX_KEPT_RESULTS} results per outbox`, async () => {
    const { account, b, outbox } = await withBoard();
    const t = recordKey('todo');
    await push(account, outbox, [{ ...ev.create('Todo', todo(t, b)), outboxSeq: 2 }]);
    // A client that never moves its front: the oldest results fall out.
    for (let from = 3; from < 3 + MAX_KEPT_RESULTS; from += 100) {
      const updates = Array.from({ length: 100 }, (_, i) =>
        ev.update('Todo', t, { title: `v${from + i}` }),
      );
      await push(account, outbox, numbered(from, updates), 1);
    }
    expect(await outboxRow(account, outbox)).toEqual({
      last: 2 + MAX_KEPT_RESULTS,
      kept: MAX_KEPT_RESULTS,
    });
  });
});
