import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SchemaError } from './errors.ts';
import { type Model, model } from './model.ts';
import { defineSchema } from './schema.ts';

// What untyped JavaScript (or a cast) can pass to `model()`.
type Untyped = Parameters<typeof model>[0];
const untyped = (options: Record<string, unknown>) => model(options as unknown as Untyped);

const Board = model({
  fields: z.object({ id: z.string(), userId: z.string() }),
  key: 'id',
  scope: 'userId',
});
const childFields = z.object({ id: z.string(), boardId: z.string() });

function rootWith(fields: Record<string, z.ZodType>, key = 'id'): Model {
  return untyped({ fields: z.object(fields), key, scope: 'owner' });
}

describe('defineSchema refuses, naming the model and what to change', () => {
  it('a scope field that cannot hold an account id', () => {
    for (const [owner, label] of [
      [z.number(), 'z.number()'],
      [z.boolean().optional(), 'z.boolean().optional()'],
      [z.object({ id: z.string() }), 'z.object()'],
      [z.stringbool(), 'z.pipe()'],
    ] as const) {
      expect(() => defineSchema({ Note: rootWith({ id: z.string(), owner }) })).toThrow(
        `Note: scope "owner" must be a string field (the owner's account id); got ${label}`,
      );
    }
    const stringLike = [
      z.string(),
      z.uuid(),
      z.email().max(200),
      z.string().brand<'UserId'>(),
      z.templateLiteral(['user-', z.number()]),
      z.enum(['alice', 'bob']),
      z.literal('alice'),
      z.union([z.number(), z.string()]),
      z.string().transform((s) => s.trim()),
    ];
    // Could hold a string, but also nothing: a record without its owner's id.
    expect(() => defineSchema({ Note: rootWith({ id: z.string(), owner: z.any() }) })).toThrow(
      `Note: scope "owner" must always hold the owner's id; its type z.any() accepts undefined`,
    );
    for (const owner of stringLike) {
      expect(() => defineSchema({ Note: rootWith({ id: z.string(), owner }) })).not.toThrow();
    }
  });

  it('a key that may be missing, or is neither string nor number', () => {
    const owner = z.string();
    for (const [id, label, missing] of [
      [z.string().optional(), 'z.string().optional()', 'undefined'],
      [z.string().nullable(), 'z.string().nullable()', 'null'],
      [z.number().nullish(), 'z.number().nullable().optional()', 'undefined'],
    ] as const) {
      expect(() => defineSchema({ Note: rootWith({ id, owner }) })).toThrow(
        `Note: key "id" must always hold a value; its type ${label} accepts ${missing}`,
      );
    }
    expect(() => defineSchema({ Note: rootWith({ id: z.boolean(), owner }) })).toThrow(
      'Note: key "id" must be a string or number field; got z.boolean()',
    );
    // A default fills the key in, so a stored record always holds one.
    for (const id of [z.string().default('x'), z.number().int(), z.uuid()]) {
      expect(() => defineSchema({ Note: rootWith({ id, owner }) })).not.toThrow();
    }
  });

  it('a conflict or onDelete rule that does not exist', () => {
    const root = untyped({ fields: Board.fields, key: 'id', scope: 'userId', conflict: 'LWW' });
    expect(() => defineSchema({ Board: root })).toThrow(
      `Board: conflict "LWW" is not a rule; use 'lww' (the default) or 'version'`,
    );
    const child = untyped({
      fields: childFields,
      key: 'id',
      parent: { model: 'Board', field: 'boardId', onDelete: 'delete' },
    });
    expect(() => defineSchema({ Board, Todo: child })).toThrow(
      `Todo: parent onDelete "delete" is not a rule; use 'cascade' (the default) or 'restrict'`,
    );
    expect(() =>
      defineSchema({ Board: { ...Board, conflict: undefined } as unknown as Model }),
    ).toThrow('Board: conflict undefined is not a rule');
  });

  it('fields that are not a z.object(), also on a model built by hand', () => {
    expect(() => untyped({ fields: z.string(), key: 'id', scope: 'userId' })).toThrow(
      `model with key "id": fields must be z.object({ ... }) listing the record's fields; got z.string()`,
    );
    expect(() => untyped({ fields: { id: z.string() }, key: 'id', scope: 'userId' })).toThrow(
      'model with key "id": fields must be z.object({ ... }) listing the record\'s fields; got a plain object (wrap it: z.object({ ... }))',
    );
    expect(() => untyped({ key: 'id', scope: 'userId' })).toThrow(
      `model with key "id": fields must be z.object({ ... }) listing the record's fields; got undefined`,
    );
    const byHand = { ...Board, fields: z.array(z.string()) } as unknown as Model;
    expect(() => defineSchema({ Board: byHand })).toThrow(
      `Board: fields must be z.object({ ... }) listing the record's fields; got z.array()`,
    );
  });

  it('a model that declares both scope and parent (its scope is one or the other)', () => {
    const both = () =>
      untyped({
        fields: z.object({ id: z.string(), boardId: z.string(), userId: z.string() }),
        key: 'id',
        scope: 'userId',
        parent: { model: 'Board', field: 'boardId' },
      });
    expect(both).toThrow(SchemaError);
    expect(both).toThrow(
      'model with key "id": set scope (a root model) or parent (a child model), not both',
    );
  });
});
