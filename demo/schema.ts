import { defineSchema, model } from 'swsync/schema';
import * as z from 'zod';

const isoDateTime = z.iso.datetime({ offset: true });

/** The demo's models, exactly as PROTOCOL.md declares them. */
export const demoSchema = defineSchema({
  Board: model({
    fields: z.object({
      id: z.string().min(1).max(64),
      name: z.string().min(1).max(200),
      userId: z.string(),
      createdAt: isoDateTime,
    }),
    key: 'id',
    scope: 'userId',
    indexes: ['userId', 'createdAt'],
  }),
  Todo: model({
    fields: z.object({
      id: z.string().min(1).max(64),
      boardId: z.string(),
      title: z.string().min(1).max(500),
      done: z.boolean(),
      createdAt: isoDateTime,
      updatedAt: isoDateTime,
    }),
    key: 'id',
    parent: { model: 'Board', field: 'boardId', onDelete: 'cascade' },
    indexes: ['boardId', 'createdAt'],
  }),
});

export type DemoSchema = typeof demoSchema;
