// schema.ts — the models, shared by the server, the worker and the page.
import { defineSchema, model } from 'swsync/schema';
import * as z from 'zod';

export const schema = defineSchema({
  Note: model({
    fields: z.object({ id: z.string(), userId: z.string(), text: z.string() }),
    key: 'id',
    scope: 'userId',
  }),
});
