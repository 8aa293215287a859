import { defineSchema, model } from 'swsync/schema';
import * as z from 'zod';
import { limitedText, TEXT_LIMITS } from './text-limits.ts';

const isoDateTime = z.iso.datetime({ offset: true });

/** The demo's models, exactly as PROTOCOL.md declares them. */
export const demoSchema = defineSchema({
  Board: model({
    fields: z.object({
      id: z.string().min(1).max(64),
      // Characters as a person sees them, as the page counts them (text-limits.ts).
      name: limitedText(TEXT_LIMITS.boardName),
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
      title: limitedText(TEXT_LIMITS.todoTitle),
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
