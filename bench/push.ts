import { randomUUID } from 'node:crypto';
import type { OutboxEvent } from 'swsync/schema';
import { applyPush, type SyncStore } from 'swsync/server';
import { demoSchema } from '../demo/schema.ts';

const now = new Date().toISOString();

export function todoEvents(scope: string, boardId: string, count: number): OutboxEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    entityType: 'Todo',
    entityKeyPath: [`${scope}-t${i}`],
    operation: 'create' as const,
    payload: {
      id: `${scope}-t${i}`,
      boardId,
      title: `todo ${i}`,
      done: false,
      createdAt: now,
      updatedAt: now,
    },
    createdAt: now,
  }));
}

export async function seedBoard(store: SyncStore, scope: string): Promise<string> {
  const boardId = `${scope}-board`;
  await applyPush({
    store,
    schema: demoSchema,
    scopeKey: scope,
    events: [
      {
        id: randomUUID(),
        entityType: 'Board',
        operation: 'create',
        payload: { id: boardId, name: 'bench', userId: scope, createdAt: now },
        createdAt: now,
      },
    ],
  });
  return boardId;
}

export interface PushBenchResult {
  events: number;
  batchedMs: number;
  oneByOneMs: number;
}

/**
 * The same events pushed as batches of 100 (one transaction each, set-based) and one event per
 * push (the baseline: what a client without batching costs the server).
 */
export async function benchPush(store: SyncStore, events: number): Promise<PushBenchResult> {
  const run = async (batchSize: number) => {
    const scope = `bench-${randomUUID()}`;
    const all = todoEvents(scope, await seedBoard(store, scope), events);
    const started = performance.now();
    for (let i = 0; i < all.length; i += batchSize) {
      const results = await applyPush({
        store,
        schema: demoSchema,
        scopeKey: scope,
        events: all.slice(i, i + batchSize),
      });
      if (results.some((r) => r.error)) throw new Error('bench push rejected an event');
    }
    return performance.now() - started;
  };
  await run(100); // warm-up: JIT, plans, PGlite pages
  const oneByOneMs = await run(1);
  const batchedMs = await run(100);
  return { events, batchedMs, oneByOneMs };
}
