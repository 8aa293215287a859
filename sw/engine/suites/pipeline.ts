import { randomUUID } from 'node:crypto';
import { pullAndMaterializeLogs } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { deletedElsewhere, rejections, signedInEngine } from '../../testing/engines.ts';
import { notesSchema, type SyncFixture } from '../../testing/fixture.ts';

/**
 * The pipelined drain (sync/push.ts): the next batch is sent while the answered one's results
 * are stored, except where that batch's results decide what the next one says. `log` holds the
 * push requests and the rejections, which are broadcast right after their batch's results are
 * stored, in order.
 */
export function pipelineSuite(f: SyncFixture): void {
  function observed(failPush?: (n: number) => boolean) {
    const log: string[] = [];
    let pushes = 0;
    let stored = 0;
    const fetch: typeof globalThis.fetch = (input, init) => {
      if (String(input).endsWith('/push')) {
        pushes++;
        log.push(`push ${pushes}`);
        if (failPush?.(pushes)) return Promise.reject(new TypeError('network down'));
      }
      return globalThis.fetch(input, init);
    };
    const onBroadcast = (message: { type: string }) => {
      if (message.type === 'rejected') log.push(`stored ${++stored}`);
    };
    /** Starts the log afresh: the next push is `push 1`. */
    const reset = () => {
      log.length = 0;
      pushes = 0;
      stored = 0;
    };
    return { log, reset, options: { fetch, onBroadcast } };
  }

  async function serverNames(user: string) {
    const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: user, limit: 1000 });
    return page.logsWithRecords.flatMap((e) => (e.record ? [String(e.record.name)] : [])).sort();
  }

  const names = (count: number) =>
    Array.from({ length: count }, (_, i) => `Board ${String(i).padStart(2, '0')}`);

  describe('pipelined drain', () => {
    it('sends the next batch before the answered one is stored, and drains everything once', async () => {
      const user = randomUUID();
      const seen = observed();
      const { engine } = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        batchSize: 10,
        ...seen.options,
      });
      const doomed = await deletedElsewhere(engine, user, f.server.endpoint);
      engine.setOnline(false);
      await engine.update('Board', doomed, { name: 'Edited' });
      for (const name of names(35)) await engine.create('Board', board(randomUUID(), user, name));
      engine.setOnline(true);
      seen.reset();
      const status = await engine.sync('online');

      expect(status).toMatchObject({ pending: 0, lastError: null });
      expect(await serverNames(user)).toEqual(names(35));
      expect(seen.log.filter((entry) => entry.startsWith('push'))).toHaveLength(4);
      // Batch 2 left before batch 1's results were stored; results were stored in batch order.
      expect(seen.log.slice(0, 3)).toEqual(['push 1', 'push 2', 'stored 1']);
    });

    it('a next batch that fails leaves the answered batch stored and itself queued', async () => {
      const user = randomUUID();
      let down = true;
      const seen = observed((n) => down && n === 2);
      const { engine } = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        batchSize: 10,
        ...seen.options,
      });
      engine.setOnline(false);
      for (const name of names(25)) await engine.create('Board', board(randomUUID(), user, name));
      engine.setOnline(true);

      const failed = await engine.sync('online');
      expect(failed.lastError).not.toBeNull();
      expect(failed.pending).toBe(15);
      expect(await serverNames(user)).toEqual(names(10));

      down = false;
      expect(await engine.sync('manual')).toMatchObject({ pending: 0, lastError: null });
      expect(await serverNames(user)).toEqual(names(25));
    });

    it("a version-checked record's next edit waits for the version its last one produced", async () => {
      const user = randomUUID();
      const seen = observed();
      const { engine, messages } = await signedInEngine(user, {
        schema: notesSchema,
        endpoint: f.versioned.endpoint,
        batchSize: 3,
        ...seen.options,
      });
      const ids = ['n1', 'n2', 'n3', 'n4'].map((n) => `${n}-${user}`);
      for (const id of ids) await engine.create('Note', { id, userId: user, text: 'v1' });
      await engine.sync();
      engine.setOnline(false);
      for (const round of [2, 3, 4]) {
        for (const id of ids) await engine.update('Note', id, { text: `v${round}` });
      }
      engine.setOnline(true);
      expect(await engine.sync('online')).toMatchObject({ pending: 0, lastError: null });

      expect(rejections(messages)).toEqual([]);
      const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: user, limit: 100 });
      expect(page.logsWithRecords.map((e) => [e.record?.text, e.version])).toEqual(
        ids.map(() => ['v4', 4]),
      );
    });

    it('a batch holding a cascaded delete is stored before the next one is sent', async () => {
      const user = randomUUID();
      const seen = observed();
      const { engine } = await signedInEngine(user, {
        schema: demoSchema,
        endpoint: f.server.endpoint,
        batchSize: 5,
        ...seen.options,
      });
      const parent = randomUUID();
      await engine.create('Board', board(parent, user, 'Parent'));
      await engine.create('Todo', todo(randomUUID(), parent));
      const doomed = await deletedElsewhere(engine, user, f.server.endpoint);
      engine.setOnline(false);
      await engine.update('Board', doomed, { name: 'Edited' });
      await engine.delete('Board', parent);
      for (const name of names(8)) await engine.create('Board', board(randomUUID(), user, name));
      engine.setOnline(true);
      seen.reset();
      expect(await engine.sync('online')).toMatchObject({ pending: 0, lastError: null });

      expect(seen.log.slice(0, 3)).toEqual(['push 1', 'stored 1', 'push 2']);
      expect(await serverNames(user)).toEqual(names(8));
    });
  });
}
