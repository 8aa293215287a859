import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { demoSchema } from '../demo/schema.ts';
import { SchemaError } from './errors.ts';
import { type CreateInput, type KeyOf, model, type Patch, type RecordOf } from './model.ts';
import { defineSchema } from './schema.ts';

const idField = z.object({ id: z.string(), parentId: z.string(), ownerId: z.string() });

describe('defineSchema', () => {
  it('follows ownership chains of any depth', () => {
    const schema = defineSchema({
      Org: model({
        fields: z.object({ id: z.string(), ownerId: z.string() }),
        key: 'id',
        scope: 'ownerId',
      }),
      Project: model({ fields: idField, key: 'id', parent: { model: 'Org', field: 'parentId' } }),
      Task: model({
        fields: idField,
        key: 'id',
        parent: { model: 'Project', field: 'parentId', onDelete: 'restrict' },
      }),
    });
    expect(schema.ownershipChain('Task')).toEqual(['Task', 'Project', 'Org']);
    expect(schema.childrenOf('Project')).toEqual([
      { model: 'Task', field: 'parentId', onDelete: 'restrict' },
    ]);
    expect(schema.childrenOf('Org')).toEqual([
      { model: 'Project', field: 'parentId', onDelete: 'cascade' },
    ]);
  });

  it('rejects declarations that cannot work', () => {
    const root = model({ fields: idField, key: 'id', scope: 'ownerId' });
    expect(() => defineSchema({})).toThrow(SchemaError);
    expect(() =>
      defineSchema({
        A: model({ fields: idField, key: 'id', parent: { model: 'Nope', field: 'parentId' } }),
      }),
    ).toThrow(/parent model "Nope"/);
    expect(() =>
      defineSchema({
        A: model({ fields: idField, key: 'id', parent: { model: 'B', field: 'parentId' } }),
        B: model({ fields: idField, key: 'id', parent: { model: 'A', field: 'parentId' } }),
      }),
    ).toThrow(/cycle/);
    expect(() => defineSchema({ root, Bad: { ...root, key: 'missing' } })).toThrow(/key "missing"/);
    expect(() => defineSchema({ root, Bad: { ...root, indexes: ['nope'] } })).toThrow(
      /index "nope"/,
    );
    expect(() => defineSchema({ '': root })).toThrow('a model name must not be empty');
    // A root without its owner's id: the scope field must always hold one.
    for (const owner of [z.string().optional(), z.string().nullable()]) {
      const fields = z.object({ id: z.string(), ownerId: owner });
      expect(() => defineSchema({ Note: model({ fields, key: 'id', scope: 'ownerId' }) })).toThrow(
        /Note: scope "ownerId" must always hold the owner's id; its type .* accepts (undefined|null)/,
      );
    }
  });

  it('refuses fields JSON cannot carry, naming the model and the field', () => {
    const withField = (extra: z.ZodType<unknown, unknown>) =>
      defineSchema({
        Ledger: model({
          fields: z.object({ id: z.string(), ownerId: z.string(), extra }),
          key: 'id',
          scope: 'ownerId',
        }),
      });
    expect(() => withField(z.bigint())).toThrow(
      'Ledger.extra: z.bigint() cannot travel as JSON: use a string or a number',
    );
    expect(() => withField(z.date())).toThrow(/Ledger\.extra: z\.date\(\).*ISO string/);
    expect(() => withField(z.coerce.date().optional())).toThrow(/z\.date\(\)/);
    const refused = [
      z.int64(),
      z.literal(1n),
      z.map(z.string(), z.string()),
      z.array(z.set(z.string())),
      z.object({ at: z.date() }).nullable(),
      z.union([z.string(), z.symbol()]),
      z.record(z.string(), z.bigint()),
      z.tuple([z.string()], z.nan()),
      z
        .string()
        .transform((s) => BigInt(s))
        .pipe(z.bigint()),
      z.codec(z.iso.datetime(), z.date(), {
        decode: (s) => new Date(s),
        encode: (d) => d.toISOString(),
      }),
      z.lazy(() => z.array(z.date())),
      z.promise(z.string()),
    ];
    for (const type of refused) expect(() => withField(type)).toThrow(SchemaError);
    const accepted = [
      z.string(),
      z.iso.datetime(),
      z.number().int(),
      z.array(z.object({ n: z.number(), tags: z.record(z.string(), z.boolean()) })),
      z.string().nullable().default(null),
      z.enum(['a', 'b']),
      z.string().transform((s) => s.trim()),
      z.any(),
    ];
    for (const type of accepted) expect(() => withField(type)).not.toThrow();
  });

  it('says what is missing when a model has neither scope nor parent', () => {
    // What untyped JavaScript (or a cast) can pass.
    const orphan = model({ fields: idField, key: 'id' } as unknown as Parameters<typeof model>[0]);
    expect(() => defineSchema({ Orphan: orphan })).toThrow(
      "Orphan: neither scope nor parent is set; give a root model `scope: '<field holding the owner's id>'` or a child model `parent: { model: '<Parent>', field: '<field holding its key>' }`",
    );
  });

  it('refuses a model named like a local store, listing the reserved names', () => {
    const root = model({ fields: idField, key: 'id', scope: 'ownerId' });
    for (const name of ['outbox', 'base', 'meta', 'versions', 'receipts', 'resync']) {
      expect(() => defineSchema({ [name]: root })).toThrow(
        `model name "${name}" is reserved for the local store; rename the model (reserved: outbox, base, meta, versions, receipts, resync)`,
      );
    }
    expect(defineSchema({ Outbox: root }).modelNames).toEqual(['Outbox']);
  });

  it('hashes the local store shape, not unrelated details', () => {
    const a = defineSchema({ R: model({ fields: idField, key: 'id', scope: 'ownerId' }) });
    const same = defineSchema({ R: model({ fields: idField, key: 'id', scope: 'ownerId' }) });
    const indexed = defineSchema({
      R: model({ fields: idField, key: 'id', scope: 'ownerId', indexes: ['parentId'] }),
    });
    expect(a.hash).toBe(same.hash);
    expect(a.hash).not.toBe(indexed.hash);
  });

  it('fingerprints what the models accept, which the hash leaves out', () => {
    const fields = (title: z.ZodString) => z.object({ id: z.string(), ownerId: z.string(), title });
    const of = (title: z.ZodString) =>
      defineSchema({ R: model({ fields: fields(title), key: 'id', scope: 'ownerId' }) });
    const short = of(z.string().max(10));
    const long = of(z.string().max(500));
    // The same local store: no resync. But a page checking with one must not write for the other.
    expect(short.hash).toBe(long.hash);
    expect(short.fingerprint).not.toBe(long.fingerprint);
    expect(of(z.string().max(10)).fingerprint).toBe(short.fingerprint);
    expect(of(z.string().regex(/^a/)).fingerprint).not.toBe(of(z.string().regex(/^b/)).fingerprint);
    expect(of(z.string().optional() as never).fingerprint).not.toBe(of(z.string()).fingerprint);
    expect(short.fingerprint.startsWith(short.hash)).toBe(true);
  });

  it('hashes a model turning version-checked, and last-writer-wins schemas as before', () => {
    const lww = defineSchema({ R: model({ fields: idField, key: 'id', scope: 'ownerId' }) });
    const checked = defineSchema({
      R: model({ fields: idField, key: 'id', scope: 'ownerId', conflict: 'version' }),
    });
    // A first sync keeps no versions for last-writer-wins records: the switch must resync.
    expect(checked.hash).not.toBe(lww.hash);
    // The demo's hash from before conflict rules were hashed: its databases do not resync.
    expect(demoSchema.hash).toBe('d63bb72c');
  });

  it('validates records strictly and patches partially', () => {
    const todo = demoSchema.models.Todo;
    const now = new Date().toISOString();
    const record = {
      id: 't1',
      boardId: 'b1',
      title: 'x',
      done: false,
      createdAt: now,
      updatedAt: now,
    };
    expect(todo.recordSchema.safeParse(record).success).toBe(true);
    expect(todo.recordSchema.safeParse({ ...record, extra: 1 }).success).toBe(false);
    expect(todo.recordSchema.safeParse({ ...record, title: '' }).success).toBe(false);
    expect(
      todo.recordSchema.safeParse({ ...record, createdAt: '2026-01-01T00:00:00+02:00' }).success,
    ).toBe(true);
    expect(todo.patchSchema.safeParse({ done: true }).success).toBe(true);
    expect(todo.patchSchema.safeParse({ colour: 'red' }).success).toBe(false);
  });

  it('refuses undeclared keys in nested objects too, naming the path (never strips them)', () => {
    const Note = model({
      fields: z.object({
        id: z.string(),
        owner: z.string(),
        meta: z.object({ colour: z.string(), pos: z.object({ x: z.number() }).optional() }),
        tags: z.array(z.object({ label: z.string() })).default([]),
        extra: z.looseObject({ free: z.boolean() }).optional(),
      }),
      key: 'id',
      scope: 'owner',
    });
    const note = { id: 'n1', owner: 'u1', meta: { colour: 'red' } };
    const issues = (schema: zm.ZodMiniType, value: unknown) => {
      const result = schema.safeParse(value);
      return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]);
    };
    expect(Note.recordSchema.parse(note)).toEqual({ ...note, tags: [] });
    expect(issues(Note.recordSchema, { ...note, meta: { colour: 'red', size: 3 } })).toEqual([
      ['meta', 'Unrecognized key: "size"'],
    ]);
    expect(
      issues(Note.recordSchema, { ...note, meta: { colour: 'red', pos: { x: 1, y: 2 } } }),
    ).toEqual([['meta.pos', 'Unrecognized key: "y"']]);
    expect(issues(Note.recordSchema, { ...note, tags: [{ label: 'a', hue: 1 }] })).toEqual([
      ['tags.0', 'Unrecognized key: "hue"'],
    ]);
    // Parsed, so `__proto__` is an own key, as it arrives from a client.
    const proto = JSON.parse('{"colour": "red", "__proto__": {"colour": "x"}}');
    expect(issues(Note.patchSchema, { meta: proto })).toEqual([
      ['meta', 'Unrecognized key: "__proto__"'],
    ]);
    expect(issues(Note.patchSchema, { meta: { colour: 'blue', size: 3 } })).toEqual([
      ['meta', 'Unrecognized key: "size"'],
    ]);
    // An object that chose to keep unknown keys keeps them.
    expect(Note.recordSchema.parse({ ...note, extra: { free: true, more: 1 } })).toMatchObject({
      extra: { free: true, more: 1 },
    });
    // The model's own `fields` is left as declared.
    expect(Note.fields.safeParse({ ...note, meta: { colour: 'red', size: 3 } }).success).toBe(true);
  });

  it('infers record, create and patch types from the models', () => {
    type Todo = typeof demoSchema.models.Todo;
    expectTypeOf<RecordOf<Todo>>().toEqualTypeOf<{
      id: string;
      boardId: string;
      title: string;
      done: boolean;
      createdAt: string;
      updatedAt: string;
    }>();
    expectTypeOf<KeyOf<Todo>>().toEqualTypeOf<string>();
    expectTypeOf<CreateInput<Todo>>().toHaveProperty('title');
    expectTypeOf<{ done: boolean }>().toExtend<Patch<Todo>>();
    expectTypeOf<Patch<Todo>>().not.toHaveProperty('id');
    // @ts-expect-error a parent must name a declared field
    model({ fields: idField, key: 'id', parent: { model: 'X', field: 'nope' } });
  });

  it('takes models declared with zod/mini as it takes classic zod (the smaller worker)', () => {
    const Note = model({
      fields: zm.object({
        id: zm.string(),
        owner: zm.string(),
        meta: zm.object({ colour: zm.string() }),
        due: zm.optional(zm.iso.datetime()),
      }),
      key: 'id',
      scope: 'owner',
    });
    const schema = defineSchema({ Note });
    const note = { id: 'n1', owner: 'u1', meta: { colour: 'red' } };
    expect(Note.recordSchema.parse(note)).toEqual(note);
    expect(Note.recordSchema.safeParse({ ...note, meta: { colour: 'red', size: 3 } }).success).toBe(
      false,
    );
    expect(Note.recordSchema.safeParse({ ...note, extra: 1 }).success).toBe(false);
    expect(Note.patchSchema.safeParse({ due: '2026-01-01T00:00:00Z' }).success).toBe(true);
    expect(Note.patchSchema.safeParse({ due: 'tomorrow' }).success).toBe(false);
    expect(schema.hash).toBe(
      defineSchema({
        Note: model({
          fields: z.object({
            id: z.string(),
            owner: z.string(),
            meta: z.object({ colour: z.string() }),
            due: z.iso.datetime().optional(),
          }),
          key: 'id',
          scope: 'owner',
        }),
      }).hash,
    );
    // defineSchema's checks read zod/mini types too: an optional key cannot identify a record.
    expect(() =>
      defineSchema({
        Bad: model({
          fields: zm.object({ id: zm.optional(zm.string()), owner: zm.string() }),
          key: 'id',
          scope: 'owner',
        }),
      }),
    ).toThrow(/Bad/);
    expectTypeOf<RecordOf<typeof Note>>().toEqualTypeOf<{
      id: string;
      owner: string;
      meta: { colour: string };
      due?: string | undefined;
    }>();
    expectTypeOf<Patch<typeof Note>>().not.toHaveProperty('id');
  });
});
