import { defineSchema, model, type OutboxEvent } from 'swsync/schema';
import { z } from 'zod';
import { demoSchema } from '../../demo/schema.ts';

/**
 * The demo's Board and Todo (as PROTOCOL.md declares them) plus models that exercise the rest of
 * the rules: `Comment` (a grandchild, for cascades at depth), `Pin` (a `restrict` child of
 * Board) and `Note` (a root under the `version` conflict rule).
 */
export const testSchema = defineSchema({
  ...demoSchema.models,
  Comment: model({
    fields: z.object({ id: z.string().min(1).max(64), todoId: z.string(), text: z.string() }),
    key: 'id',
    parent: { model: 'Todo', field: 'todoId' },
  }),
  Pin: model({
    fields: z.object({ id: z.string().min(1).max(64), boardId: z.string(), label: z.string() }),
    key: 'id',
    parent: { model: 'Board', field: 'boardId', onDelete: 'restrict' },
  }),
  Note: model({
    fields: z.object({ id: z.number().int(), ownerId: z.string(), body: z.string() }),
    key: 'id',
    scope: 'ownerId',
    conflict: 'version',
  }),
});

export type TestSchema = typeof testSchema;

/**
 * Version-checked folders whose notes cascade, and pins that restrict deleting a note: the
 * shapes of issue #10's cascade stories (a refused parent delete must keep its children).
 */
export const foldersSchema = defineSchema({
  Folder: model({
    fields: z.object({ id: z.string().min(1), userId: z.string(), name: z.string() }),
    key: 'id',
    scope: 'userId',
    conflict: 'version',
  }),
  Note: model({
    fields: z.object({ id: z.string().min(1), folderId: z.string(), text: z.string() }),
    key: 'id',
    parent: { model: 'Folder', field: 'folderId', onDelete: 'cascade' },
    indexes: ['folderId'],
    conflict: 'version',
  }),
  NotePin: model({
    fields: z.object({ id: z.string().min(1), noteId: z.string() }),
    key: 'id',
    parent: { model: 'Note', field: 'noteId', onDelete: 'restrict' },
    indexes: ['noteId'],
  }),
});

let counter = 0;
const now = '2026-01-01T00:00:00.000Z';

/** A fresh event id. */
export function eventId(): string {
  counter++;
  return `ev-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** A unique record key for tests that share a store. */
export function recordKey(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Builders of outbox events for tests.
 *
 * @example
 * const events = [ev.create('Board', board('b1', 'alice')), ev.delete('Board', 'b1')];
 */
export const ev = {
  create(entityType: string, payload: Record<string, unknown>, extra: Partial<OutboxEvent> = {}) {
    return {
      id: eventId(),
      entityType,
      operation: 'create',
      payload,
      createdAt: now,
      ...extra,
    } satisfies OutboxEvent;
  },
  update(
    entityType: string,
    key: string | number,
    payload: Record<string, unknown>,
    extra: Partial<OutboxEvent> = {},
  ) {
    return {
      id: eventId(),
      entityType,
      entityKeyPath: [key],
      operation: 'update',
      payload,
      createdAt: now,
      ...extra,
    } satisfies OutboxEvent;
  },
  delete(entityType: string, key: string | number, extra: Partial<OutboxEvent> = {}) {
    return {
      id: eventId(),
      entityType,
      entityKeyPath: [key],
      operation: 'delete',
      payload: null,
      createdAt: now,
      ...extra,
    } satisfies OutboxEvent;
  },
};

/** A valid Board record. */
export function board(id: string, userId: string, name = `Board ${id}`) {
  return { id, name, userId, createdAt: now };
}

/** A valid Todo record. */
export function todo(id: string, boardId: string, title = `Todo ${id}`) {
  return { id, boardId, title, done: false, createdAt: now, updatedAt: now };
}
