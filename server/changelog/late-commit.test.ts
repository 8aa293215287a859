import { describe, expect, it } from 'vitest';
import { pullAndMaterializeLogs } from '../pull/index.ts';
import { applyPush } from '../push/index.ts';
import type { SyncStore } from '../store/types.ts';
import {
  applyEntries,
  board,
  createPostgresTestStore,
  drain,
  emptyReplica,
  ev,
  type Replica,
  testDatabaseUrl,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';
import { decodeChangelogId } from './cursor.ts';

const WRITERS = 8;
const PUSHES_PER_WRITER = 12;
const PULLERS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cursor must never skip a late commit (PROTOCOL.md, Pull). Many pushes for ONE scope run
 * concurrently, each writer on its own pool/connections, and each transaction is held open for
 * a random while after its reads (through the hook), so transactions that started first often
 * commit last. Meanwhile pullers page through with a small limit. After the writers finish and
 * one final drain, every puller must hold exactly the server's state, and must have received
 * each entry once, in increasing order.
 */
describe.skipIf(!testDatabaseUrl())('late commits [postgres]', () => {
  it('concurrent writers and pullers on one scope: no puller skips an entry', async () => {
    const pg = await createPostgresTestStore(2);
    try {
      const writers: SyncStore[] = [];
      for (let i = 0; i < WRITERS; i++) writers.push(await pg.openAnother(1));
      const pullerStores: SyncStore[] = [];
      for (let i = 0; i < PULLERS; i++) pullerStores.push(await pg.openAnother(1));

      const scope = uniqueScope();
      const b = `board-${scope}`;
      await applyPush({
        store: pg.store,
        schema: testSchema,
        scopeKey: scope,
        events: [ev.create('Board', board(b, scope))],
      });

      let writing = true;
      const replicas: Replica[] = pullerStores.map(() => emptyReplica());
      const pullers = pullerStores.map(async (store, i) => {
        const replica = replicas[i]!;
        while (writing) {
          const page = await pullAndMaterializeLogs({
            store,
            scopeKey: scope,
            lastChangelogId: replica.cursor,
            limit: 7,
          });
          applyEntries(replica, page.logsWithRecords);
          replica.cursor = page.cursor;
          if (!page.hasMore) await sleep(Math.random() * 5);
        }
      });

      const applied: string[] = [];
      const writes = writers.map(async (store, w) => {
        for (let n = 0; n < PUSHES_PER_WRITER; n++) {
          const key = `t-${w}-${n}`;
          const events = [ev.create('Todo', todo(key, b))];
          // Every other push also renames one of this writer's earlier todos.
          if (n > 0 && n % 2 === 0)
            events.push(ev.update('Todo', `t-${w}-${n - 1}`, { title: `renamed ${n}` }));
          const results = await applyPush({
            store,
            schema: testSchema,
            scopeKey: scope,
            events,
            // Holds the transaction open after its reads: a late commit.
            customValidation: async () => {
              await sleep(Math.random() * 8);
              return undefined;
            },
          });
          expect(results.map((r) => r.error)).toEqual(events.map(() => null));
          applied.push(key);
        }
      });
      await Promise.all(writes);
      writing = false;
      await Promise.all(pullers);

      expect(applied).toHaveLength(WRITERS * PUSHES_PER_WRITER);
      const truth = await drain(pg.store, scope);
      expect(truth.records.size).toBe(1 + WRITERS * PUSHES_PER_WRITER);

      for (const replica of replicas) {
        await drain(pullerStores[0]!, scope, replica, 7);
        expect(replica.records).toEqual(truth.records);
        const seqs = replica.entries.map((e) => decodeChangelogId(e.id)!);
        // Each entry once, in increasing order: none repeated.
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(new Set(seqs).size).toBe(seqs.length);
      }
      // The pullers really ran concurrently with the writers (several pages each).
      expect(replicas.every((r) => r.entries.length > 1)).toBe(true);
    } finally {
      await pg.cleanup();
    }
  });
});
