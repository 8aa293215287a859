import { expect, it } from 'vitest';
import { encodeChangelogId, encodeCursor } from '../changelog/cursor.ts';
import { purgeTombstones, schedulePurge } from '../changelog/purge.ts';
import { ServerError } from '../errors.ts';
import { applyPush } from '../push/index.ts';
import {
  board,
  describeEachStore,
  drain,
  ev,
  recordKey,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';
import { pullAndMaterializeLogs } from './index.ts';

describeEachStore('pullAndMaterializeLogs', (getStore) => {
  const push = (scope: string, events: Parameters<typeof applyPush>[0]['events']) =>
    applyPush({ store: getStore(), schema: testSchema, scopeKey: scope, events });
  const pull = (scope: string, lastChangelogId?: string | null, limit?: number) =>
    pullAndMaterializeLogs({
      store: getStore(),
      scopeKey: scope,
      ...(lastChangelogId === undefined ? {} : { lastChangelogId }),
      ...(limit === undefined ? {} : { limit }),
    });
  const codeOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerError);
    return (error as ServerError).code;
  };

  it('an empty scope: cursor null, nothing more', async () => {
    expect(await pull(uniqueScope())).toEqual({
      cursor: null,
      hasMore: false,
      logsWithRecords: [],
      total: 0,
    });
  });

  it('entries built by the database are those of the protocol: ids, keys, records, nulls', async () => {
    const scope = uniqueScope();
    // Seqs whose ids need every base64 padding length, up to the largest safe integer.
    const seqs = [1, 9, 10, 99, 123, 4567, 89_012, 2 ** 31, 2 ** 53 - 1];
    const record = { id: 'x', title: 'é "quoted" \\ \n', n: 1.5, big: 12345678901, none: null };
    await getStore().query('INSERT INTO swsync_scopes (scope, seq) VALUES ($1, $2)', [
      scope,
      2 ** 53 - 1,
    ]);
    for (const [i, seq] of seqs.entries()) {
      await getStore().query(
        `INSERT INTO swsync_records (model, key, scope, seq, version, operation, record,
                                     event_id, client_id)
         VALUES ('Todo', $1, $2, $3, $4, $5, $6::text::jsonb, $7, $8)`,
        [
          JSON.stringify(i % 2 === 0 ? `${scope}-k${i}` : i),
          scope,
          seq,
          i + 1,
          i === 3 ? 'delete' : 'create',
          i === 3 ? null : { ...record, id: `k${i}` },
          i === 4 ? null : `e${i}`,
          i === 5 ? null : 'c1',
        ],
      );
    }
    const page = await pull(scope, null, 1000);
    expect(page.logsWithRecords).toEqual(
      seqs.map((seq, i) => ({
        id: encodeChangelogId(seq),
        model: 'Todo',
        keyPath: [i % 2 === 0 ? `${scope}-k${i}` : i],
        operation: i === 3 ? 'delete' : 'create',
        record: i === 3 ? null : { ...record, id: `k${i}` },
        version: i + 1,
        eventId: i === 4 ? null : `e${i}`,
        clientId: i === 5 ? null : 'c1',
      })),
    );
    expect(page).toMatchObject({ hasMore: false, total: seqs.length });
  });

  it('pages with limit, oldest first, none skipped or repeated', async () => {
    const scope = uniqueScope();
    const b = recordKey('b');
    const keys = Array.from({ length: 11 }, () => recordKey('t'));
    await push(scope, [
      ev.create('Board', board(b, scope)),
      ...keys.map((k) => ev.create('Todo', todo(k, b))),
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await pull(scope, cursor, 5);
      pages++;
      // A full pull's first page says how many entries the whole pull holds; no later one.
      expect(page.total).toBe(pages === 1 ? 12 : undefined);
      expect(page.logsWithRecords.length).toBeLessThanOrEqual(5);
      seen.push(...page.logsWithRecords.map((e) => String(e.keyPath[0])));
      cursor = page.cursor;
      if (!page.hasMore) break;
      expect(page.logsWithRecords).toHaveLength(5);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([b, ...keys]);
    // At the head: nothing new, same cursor.
    expect(await pull(scope, cursor)).toEqual({ cursor, hasMore: false, logsWithRecords: [] });
  });

  it('returns the current state once per record (compacted), at its latest change', async () => {
    const scope = uniqueScope();
    const b = recordKey('b');
    await push(scope, [ev.create('Board', board(b, scope))]);
    const first = await pull(scope);
    await push(scope, [
      ev.update('Board', b, { name: 'two' }),
      ev.update('Board', b, { name: 'three' }),
    ]);
    const page = await pull(scope, first.cursor);
    expect(page.logsWithRecords).toHaveLength(1);
    expect(page.logsWithRecords[0]).toMatchObject({
      model: 'Board',
      keyPath: [b],
      operation: 'update',
      record: { name: 'three' },
      version: 3,
    });
  });

  it('returns only the caller scope', async () => {
    const alice = uniqueScope();
    const bob = uniqueScope();
    await push(alice, [ev.create('Board', board(recordKey('b'), alice))]);
    await push(bob, [ev.create('Board', board(recordKey('b'), bob))]);
    const page = await pull(alice);
    expect(page.logsWithRecords).toHaveLength(1);
    expect(page.logsWithRecords[0]!.record).toMatchObject({ userId: alice });
  });

  it('a malformed cursor, or one beyond the scope head, is a BAD_REQUEST', async () => {
    const scope = uniqueScope();
    await push(scope, [ev.create('Board', board(recordKey('b'), scope))]);
    expect(await codeOf(pull(scope, 'garbage'))).toBe('BAD_REQUEST');
    expect(await codeOf(pull(scope, encodeCursor({ scope }, 2)))).toBe('BAD_REQUEST');
    const other = uniqueScope();
    expect(await codeOf(pull(other, encodeCursor({ scope: other }, 1)))).toBe('BAD_REQUEST');
    expect(await codeOf(pull(scope, null, 0))).toBe('BAD_REQUEST');
    expect(await codeOf(pull(scope, null, 1001))).toBe('BAD_REQUEST');
    expect((await pull(scope, encodeCursor({ scope }, 1))).logsWithRecords).toEqual([]);
  });

  it("another scope's cursor is a BAD_REQUEST, never a silent skip; a v1 cursor is expired", async () => {
    const alice = uniqueScope();
    const bob = uniqueScope();
    await push(
      alice,
      [1, 2, 3].map(() => ev.create('Board', board(recordKey('b'), alice))),
    );
    await push(bob, [ev.create('Board', board(recordKey('b'), bob))]);
    const aliceCursor = (await pull(alice)).cursor;
    expect(await codeOf(pull(bob, aliceCursor))).toBe('BAD_REQUEST');
    // The same scope pulled by another account (a `scopeKey` mapping several to one) too.
    const asCarol = pullAndMaterializeLogs({
      store: getStore(),
      scopeKey: alice,
      account: 'carol',
      lastChangelogId: aliceCursor,
    });
    expect(await codeOf(asCarol)).toBe('BAD_REQUEST');
    // Bob still gets his first entry from the start.
    expect((await pull(bob)).logsWithRecords).toHaveLength(1);
    // A changelog id, or a cursor of protocol v1, carries no binding: start over (409).
    expect(await codeOf(pull(bob, encodeChangelogId(1)))).toBe('CURSOR_EXPIRED');
  });

  it('purged tombstones expire older cursors (409); a full pull never 409s', async () => {
    const scope = uniqueScope();
    const b = recordKey('b');
    const kept = recordKey('b');
    await push(scope, [
      ev.create('Board', board(b, scope)),
      ev.create('Todo', todo(recordKey('t'), b)),
    ]);
    const old = await pull(scope);
    await push(scope, [ev.delete('Board', b), ev.create('Board', board(kept, scope))]);
    const afterDelete = await pull(scope, old.cursor);
    expect(afterDelete.logsWithRecords.map((e) => e.operation)).toEqual([
      'delete',
      'delete',
      'create',
    ]);

    // Nothing is old enough yet.
    expect(await purgeTombstones({ store: getStore(), retentionMs: 60_000 })).toBe(0);
    const purged = await purgeTombstones({
      store: getStore(),
      retentionMs: 0,
      now: new Date(Date.now() + 1000),
    });
    expect(purged).toBeGreaterThanOrEqual(2);
    expect(await codeOf(pull(scope, old.cursor))).toBe('CURSOR_EXPIRED');
    // A cursor at or after the purged tombstones is still good.
    expect((await pull(scope, afterDelete.cursor)).logsWithRecords).toEqual([]);
    const full = await drain(getStore(), scope);
    expect([...full.records.keys()]).toEqual([`Board/${kept}`]);
    expect(full.entries).toHaveLength(1);

    // A purged key stays bound to its scope, and its owner can bring it back.
    const other = uniqueScope();
    expect((await push(other, [ev.create('Board', board(b, other))]))[0]!.error?.type).toBe(
      'SCOPE_VIOLATION',
    );
    const [back] = await push(scope, [ev.create('Board', board(b, scope))]);
    expect(back).toMatchObject({ error: null, version: 3 });
    expect(
      (await pull(scope, afterDelete.cursor)).logsWithRecords.map((e) => e.keyPath[0]),
    ).toEqual([b]);
  });

  it('a full pull pages past purged tombstones; one begun before the purge expires', async () => {
    const scope = uniqueScope();
    const gone = recordKey('b');
    const boards = Array.from({ length: 5 }, () => recordKey('b'));
    await push(scope, [ev.create('Board', board(gone, scope))]);
    await push(
      scope,
      boards.map((key) => ev.create('Board', board(key, scope))),
    );
    // A paging full pull begun now: its second page's cursor sits below the tombstone below.
    const early = await pull(scope, null, 2);
    await push(scope, [ev.delete('Board', gone)]);
    await purgeTombstones({ store: getStore(), retentionMs: 0, now: new Date(Date.now() + 1000) });
    // Begun before the purge, it may hold `gone`: it must start over.
    expect(await codeOf(pull(scope, early.cursor, 2))).toBe('CURSOR_EXPIRED');

    // Begun after the purge: every page goes through, and the result is the live boards.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const seen: string[] = [];
    let page = await pull(scope, null, 2);
    seen.push(...page.logsWithRecords.map((e) => String(e.keyPath[0])));
    while (page.hasMore) {
      page = await pull(scope, page.cursor, 2);
      seen.push(...page.logsWithRecords.map((e) => String(e.keyPath[0])));
    }
    expect(seen.sort()).toEqual([...boards].sort());
    // Its last cursor is a plain position again: later pulls expire like any other.
    expect(await pull(scope, page.cursor)).toMatchObject({ logsWithRecords: [], hasMore: false });
  });

  it('schedulePurge purges at once and on its interval until stopped', async () => {
    const scope = uniqueScope();
    const b = recordKey('b');
    await push(scope, [ev.create('Board', board(b, scope))]);
    const start = await pull(scope);
    await push(scope, [ev.delete('Board', b)]);
    const errors: unknown[] = [];
    const stop = schedulePurge({
      store: getStore(),
      retentionMs: -1000,
      intervalMs: 20,
      onError: (e) => errors.push(e),
    });
    await expect.poll(() => codeOf(pull(scope, start.cursor))).toBe('CURSOR_EXPIRED');
    await stop();
    expect(errors).toEqual([]);
  });
});
