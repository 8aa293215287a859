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
