import { randomUUID } from 'node:crypto';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { pullAndMaterializeLogs } from 'swsync/server';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../../demo/schema.ts';
import { EngineError } from '../../errors.ts';
import { board, todo } from '../../testing/demo-records.ts';
import { type FaultyFetch, faultyFetch } from '../../testing/faults.ts';
import type { SyncFixture } from '../../testing/fixture.ts';
import { createEngine } from '../create-engine.ts';
import type { SyncEngine } from '../types.ts';

/** A property: two devices making random writes through faults and restarts converge on the server state. */
export function convergenceSuite(f: SyncFixture): void {
  type Op =
    | { kind: 'create'; who: 0 | 1; n: number; title: string }
    | { kind: 'update'; who: 0 | 1; n: number; title?: string; done?: boolean }
    | { kind: 'delete'; who: 0 | 1; n: number }
    | { kind: 'sync'; who: 0 | 1; fault: 'none' | 'drop-request' | 'drop-response' }
    | { kind: 'restart'; who: 0 | 1 }
    | { kind: 'board'; who: 0 | 1; del: boolean };

  const who = fc.constantFrom<0 | 1>(0, 1);
  const n = fc.integer({ min: 1, max: 3 });
  const title = fc.constantFrom('a', 'b', 'c');
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('create' as const), who, n, title }),
    fc.record(
      { kind: fc.constant('update' as const), who, n, title, done: fc.boolean() },
      { requiredKeys: ['kind', 'who', 'n'] },
    ),
    fc.record({ kind: fc.constant('delete' as const), who, n }),
    fc.record({
      kind: fc.constant('sync' as const),
      who,
      fault: fc.constantFrom('none' as const, 'drop-request' as const, 'drop-response' as const),
    }),
    fc.record({ kind: fc.constant('restart' as const), who }),
    // Deleting the board cascades to its todos on the server; re-creating it brings it back.
    fc.record({ kind: fc.constant('board' as const), who, del: fc.boolean() }),
  );

  interface Device {
    idb: IDBFactory;
    faulty: FaultyFetch;
    engine: SyncEngine<typeof demoSchema>;
  }

  async function open(user: string, idb: IDBFactory, faulty: FaultyFetch): Promise<Device> {
    const engine = await createEngine({
      schema: demoSchema,
      endpoint: f.server.endpoint,
      indexedDB: idb,
      fetch: faulty.fetch,
      isOnline: () => true,
      // Retries are driven by the test, never by a timer.
      setTimeout: () => 0,
      clearTimeout: () => undefined,
    });
    engine.setHeaders({ 'x-user': user });
    return { idb, faulty, engine };
  }

  const sorted = <T extends { id: string }>(records: T[]) =>
    [...records].sort((x, y) => x.id.localeCompare(y.id));

  describe('two devices, random writes, faults and restarts', () => {
    it('converge on the server state with nothing pending', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
          const user = randomUUID();
          const boardId = `b-${user}`;
          const id = (k: number) => `t${k}-${user}`;
          const devices: Device[] = [];
          for (let i = 0; i < 2; i++)
            devices.push(await open(user, new IDBFactory(), faultyFetch()));
          await devices[0]!.engine.create('Board', board(boardId, user));
          await devices[0]!.engine.sync();
          await devices[1]!.engine.sync();

          for (const o of ops) {
            const device = devices[o.who]!;
            const { engine } = device;
            try {
              if (o.kind === 'create') {
                await engine.create('Todo', { ...todo(id(o.n), boardId), title: o.title });
              } else if (o.kind === 'update') {
                const patch = {
                  ...(o.title !== undefined ? { title: o.title } : {}),
                  ...(o.done !== undefined ? { done: o.done } : {}),
                };
                await engine.update('Todo', id(o.n), patch);
              } else if (o.kind === 'delete') {
                await engine.delete('Todo', id(o.n));
              } else if (o.kind === 'sync') {
                device.faulty.plan = () => (o.fault === 'none' ? undefined : o.fault);
                await engine.sync();
                device.faulty.plan = () => undefined;
              } else if (o.kind === 'board') {
                if (o.del) await engine.delete('Board', boardId);
                else await engine.create('Board', board(boardId, user));
              } else {
                await engine.close();
                devices[o.who] = await open(user, device.idb, device.faulty);
              }
            } catch (error) {
              // An update of a record this device does not have: refused, nothing written.
              if (!(error instanceof EngineError && error.code === 'NOT_FOUND')) throw error;
            }
          }

          for (let round = 0; round < 2; round++) {
            for (const device of devices) {
              expect(await device.engine.sync()).toMatchObject({ pending: 0, lastError: null });
            }
          }
          const page = await pullAndMaterializeLogs({ store: f.store, scopeKey: user });
          const live = (model: string) =>
            page.logsWithRecords.flatMap((e) =>
              e.model === model && e.record ? [e.record as { id: string }] : [],
            );
          for (const device of devices) {
            expect(sorted(await device.engine.list('Todo'))).toEqual(sorted(live('Todo')));
            expect(await device.engine.list('Board')).toEqual(live('Board'));
            await device.engine.close();
          }
        }),
        { numRuns: Number(process.env.SWSYNC_FC_RUNS ?? 25) },
      );
    });
  });
}
