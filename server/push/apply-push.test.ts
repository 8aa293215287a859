import { defineSchema, model, type PushResult } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { purgeTombstones } from '../changelog/index.ts';
import { pullAndMaterializeLogs } from '../pull/index.ts';
import type { SqlClient, SyncStore } from '../store/types.ts';
import {
  board,
  describeEachStore,
  drain,
  ev,
  recordKey,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';
import {
  applyPush,
  applyServerWrites,
  type CustomValidation,
  type PushEventInput,
} from './index.ts';

describeEachStore('applyPush', (getStore) => {
  const push = (
    scope: string,
    events: readonly PushEventInput[],
    extra: { customValidation?: CustomValidation; clientId?: string } = {},
  ) => applyPush({ store: getStore(), schema: testSchema, scopeKey: scope, events, ...extra });

  const errorTypes = (results: PushResult[]) => results.map((r) => r.error?.type ?? null);

  /** A scope with one board; returns the scope and the board key. */
  async function withBoard(): Promise<{ scope: string; b: string }> {
    const scope = uniqueScope();
    const b = recordKey('board');
    const [result] = await push(scope, [ev.create('Board', board(b, scope))]);
    expect(result!.error).toBeNull();
    return { scope, b };
  }

  const rowCount = async (scope: string) => {
    const rows = await getStore().query<{ n: string | number }>(
      'SELECT count(*) AS n FROM swsync_records WHERE scope = $1',
      [scope],
    );
    return Number(rows[0]!.n);
  };

  describe('checks, in PROTOCOL order', () => {
    it('INVALID_MODEL beats every other failure', async () => {
      const scope = uniqueScope();
      const results = await push(scope, [
        { id: 'e1', entityType: 'Nope', operation: 'explode', payload: 5 },
        { id: 'e2', operation: 'create', payload: {} },
        { id: 'e3', entityType: 'constructor', operation: 'create', payload: {}, createdAt: 'x' },
      ]);
      expect(errorTypes(results)).toEqual(['INVALID_MODEL', 'INVALID_MODEL', 'INVALID_MODEL']);
      expect(results.every((r) => r.appliedChangelogId === null && !r.error!.retryable)).toBe(true);
    });

    it('UNKNOWN_OPERATION beats shape', async () => {
      const results = await push(uniqueScope(), [
        { id: 'e1', entityType: 'Board', operation: 'upsert', payload: 'not even an object' },
      ]);
      expect(errorTypes(results)).toEqual(['UNKNOWN_OPERATION']);
    });

    it('RECORD_VALIDATION_FAILURE for bad payloads, extra fields, key mismatch, bad baseVersion', async () => {
      const scope = uniqueScope();
      const b = recordKey('b');
      const good = board(b, scope);
      const results = await push(scope, [
        ev.create('Board', { ...good, name: '' }),
        ev.create('Board', { ...good, extra: 1 }),
        ev.create('Board', good, { entityKeyPath: ['other-key'] }),
        ev.create('Board', good, { baseVersion: '3' as unknown as number }),
        ev.create('Board', { ...good, createdAt: 'yesterday' }),
        { ...ev.create('Board', good), createdAt: undefined },
        ev.update('Board', b, { name: 'x', color: 'red' }),
        ev.update('Board', b, { id: 'another' }),
        ev.create('Board', { ...good, name: 'nul\u0000byte' }),
        ev.create('Board', { ...good, name: 'lone \uD800 surrogate' }),
        ev.delete('Board', b, { entityKeyPath: ['a', 'b'] }),
        ev.create('Board', [good] as unknown as Record<string, unknown>),
        ev.create('Board', good, { id: 'x'.repeat(300) }),
        ev.create('Note', { id: 'not-a-number', ownerId: scope, body: '' }),
      ]);
      expect(errorTypes(results)).toEqual(Array(14).fill('RECORD_VALIDATION_FAILURE'));
      expect(await rowCount(scope)).toBe(0);
    });

    it('own keys JSON.parse makes (__proto__, constructor, prototype) are undeclared fields', async () => {
      const { scope, b } = await withBoard();
      const json = JSON.stringify(board(recordKey('b'), scope)).slice(0, -1);
      const results = await push(scope, [
        // Parsed, not written as literals: a literal `__proto__` would set the prototype.
        ev.update('Board', b, JSON.parse('{"__proto__": {}}')),
        ev.update('Board', b, JSON.parse('{"__proto__": {"name": "polluted"}}')),
        ev.update('Board', b, JSON.parse('{"name": "x", "constructor": {}}')),
        ev.create('Board', JSON.parse(`${json}, "__proto__": {}}`)),
        ev.create('Board', JSON.parse(`${json}, "constructor": "x"}`)),
        ev.create('Board', JSON.parse(`${json}, "prototype": null}`)),
        ev.create('Board', JSON.parse(`${json}, "toString": 1}`)),
        ev.delete('Board', b, { payload: JSON.parse(`{"id": "${b}", "__proto__": {}}`) }),
      ]);
      expect(errorTypes(results)).toEqual(Array(8).fill('RECORD_VALIDATION_FAILURE'));
      // Nothing applied: the board is still at its first version, nothing else was stored.
      const replica = await drain(getStore(), scope);
      expect(replica.entries).toHaveLength(1);
      expect(replica.entries[0]).toMatchObject({ version: 1, record: board(b, scope) });
    });

    it('an own __proto__ on the event itself does not lend it fields', async () => {
      const { scope, b } = await withBoard();
      const event = JSON.parse(
        `{"id": "proto-ev", "__proto__": {"entityType": "Board", "operation": "delete",
          "entityKeyPath": ["${b}"], "payload": null, "createdAt": "x"}}`,
      ) as PushEventInput;
      const [result] = await push(scope, [event]);
      expect(result!.error?.type).toBe('INVALID_MODEL');
      expect((await drain(getStore(), scope)).records.size).toBe(1);
    });

    it('a model that declares constructor as a field may use it', async () => {
      const schema = defineSchema({
        Klass: model({
          fields: z.object({ id: z.string(), owner: z.string(), constructor: z.string() }),
          key: 'id',
          scope: 'owner',
        }),
      });
      const scope = uniqueScope();
      const id = recordKey('k');
      const results = await applyPush({
        store: getStore(),
        schema,
        scopeKey: scope,
        events: [
          ev.create(
            'Klass',
            JSON.parse(`{"id": "${id}", "owner": "${scope}", "constructor": "A"}`),
          ),
          ev.update('Klass', id, JSON.parse('{"constructor": "B"}')),
          ev.update('Klass', id, JSON.parse('{"prototype": "C"}')),
        ],
      });
      expect(errorTypes(results)).toEqual([null, null, 'RECORD_VALIDATION_FAILURE']);
      const replica = await drain(getStore(), scope);
      expect(replica.entries[0]!.record).toEqual({ id, owner: scope, constructor: 'B' });
    });

    it('undeclared keys in nested objects are refused per event, naming the path, never stripped', async () => {
      const schema = defineSchema({
        Note: model({
          fields: z.object({
            id: z.string(),
            owner: z.string(),
            meta: z.object({ colour: z.string(), pos: z.object({ x: z.number() }).optional() }),
            tags: z.array(z.object({ label: z.string() })),
          }),
          key: 'id',
          scope: 'owner',
        }),
      });
      const scope = uniqueScope();
      const id = recordKey('n');
      const note = { id, owner: scope, meta: { colour: 'red' }, tags: [{ label: 'a' }] };
      const results = await applyPush({
        store: getStore(),
        schema,
        scopeKey: scope,
        events: [
          ev.create('Note', note),
          ev.create('Note', { ...note, id: recordKey('n'), meta: { colour: 'red', size: 3 } }),
          ev.update('Note', id, { meta: { colour: 'blue', pos: { x: 1, y: 2 } } }),
          ev.update('Note', id, { tags: [{ label: 'b', hue: 'x' }] }),
          ev.update('Note', id, { meta: JSON.parse('{"colour": "green", "__proto__": {}}') }),
          ev.update('Note', id, { meta: { colour: 'blue', pos: { x: 1 } } }),
        ],
      });
      expect(results.map((r) => r.error?.message ?? null)).toEqual([
        null,
        'the payload does not match the create schema: meta: Unrecognized key: "size"',
        'the payload does not match the update schema: meta.pos: Unrecognized key: "y"',
        'the payload does not match the update schema: tags.0: Unrecognized key: "hue"',
        'the payload does not match the update schema: meta: Unrecognized key: "__proto__"',
        null,
      ]);
      expect(errorTypes(results)).toEqual([
        null,
        'RECORD_VALIDATION_FAILURE',
        'RECORD_VALIDATION_FAILURE',
        'RECORD_VALIDATION_FAILURE',
        'RECORD_VALIDATION_FAILURE',
        null,
      ]);
      const replica = await drain(getStore(), scope);
      expect(replica.entries).toHaveLength(1);
      expect(replica.entries[0]).toMatchObject({
        version: 2,
        record: { ...note, meta: { colour: 'blue', pos: { x: 1 } } },
      });
    });

    it("a payload's rejection names each failing field and zod's reason", async () => {
      const scope = uniqueScope();
      const good = board(recordKey('b'), scope);
      const results = await push(scope, [
        ev.create('Board', { ...good, name: '' }),
        ev.create('Board', { ...good, extra: 1 }),
        ev.update('Board', good.id, { name: 5 as unknown as string, createdAt: 'yesterday' }),
      ]);
      expect(results.map((r) => r.error?.message)).toEqual([
        'the payload does not match the create schema: name: Too small: expected string to have >=1 characters',
        'the payload does not match the create schema: extra: "extra" is not a declared field',
        'the payload does not match the update schema: name: Invalid input: expected string, received number; createdAt: Invalid ISO datetime',
      ]);
    });

    it('client bookkeeping fields on an event are accepted and ignored', async () => {
      const scope = uniqueScope();
      const bookkeeping = {
        tries: 3,
        lastError: 'offline',
        synced: false,
        syncedAt: null,
        retryable: true,
        lastAttemptedAt: '2026-01-01T00:00:00.000Z',
      };
      const results = await push(scope, [
        { ...ev.create('Board', board(recordKey('b'), scope)), ...bookkeeping },
      ]);
      expect(errorTypes(results)).toEqual([null]);
    });

    it('shape failures beat scope failures', async () => {
      const scope = uniqueScope();
      const results = await push(scope, [
        ev.create('Board', { ...board(recordKey('b'), 'someone-else'), extra: true }),
      ]);
      expect(errorTypes(results)).toEqual(['RECORD_VALIDATION_FAILURE']);
    });

    it('SCOPE_VIOLATION beats MISSING_PARENT and CONFLICT', async () => {
      const alice = await withBoard();
      const bob = uniqueScope();
      const results = await push(bob, [
        // A todo under alice's board: scope, although bob's todo does not exist either.
        ev.update('Todo', recordKey('t'), { boardId: alice.b }),
        ev.create('Todo', todo(recordKey('t'), alice.b)),
      ]);
      expect(errorTypes(results)).toEqual(['SCOPE_VIOLATION', 'SCOPE_VIOLATION']);
    });

    it('MISSING_PARENT beats CONFLICT', async () => {
      const scope = uniqueScope();
      const results = await push(scope, [
        ev.create('Todo', todo(recordKey('t'), 'no-such-board')),
        ev.update('Todo', recordKey('t'), { boardId: 'no-such-board' }),
        ev.create('Todo', todo(recordKey('t'), '')),
        ev.create('Todo', todo(recordKey('t'), 'x'.repeat(1000))),
      ]);
      expect(errorTypes(results)).toEqual(Array(4).fill('MISSING_PARENT'));
    });

    it('CUSTOM_VALIDATION_FAILED comes last and carries the hook message', async () => {
      const scope = uniqueScope();
      const seen: string[] = [];
      const customValidation: CustomValidation = ({ model, operation, record }) => {
        seen.push(`${model}.${operation}`);
        return record && record.name === 'forbidden' ? 'no forbidden boards' : undefined;
      };
      const ok = recordKey('b');
      const results = await push(
        scope,
        [
          ev.create('Board', board(recordKey('b'), scope, 'forbidden')),
          ev.update('Board', 'missing', { name: 'forbidden' }),
          ev.create('Board', board(ok, scope)),
        ],
        { customValidation },
      );
      expect(errorTypes(results)).toEqual(['CUSTOM_VALIDATION_FAILED', 'CONFLICT', null]);
      expect(results[0]!.error!.message).toBe('no forbidden boards');
      // The hook never ran for the event an earlier check rejected.
      expect(seen).toEqual(['Board.create', 'Board.create']);
    });

    it('a rejected event is skipped and the rest go on', async () => {
      const scope = uniqueScope();
      const b = recordKey('b');
      const results = await push(scope, [
        ev.create('Nope', {}),
        ev.create('Board', board(b, scope)),
        ev.create('Todo', todo(recordKey('t'), 'missing')),
        ev.update('Board', b, { name: 'renamed' }),
      ]);
      expect(errorTypes(results)).toEqual(['INVALID_MODEL', null, 'MISSING_PARENT', null]);
      expect(results.map((r) => r.id)).toEqual(results.map((r) => r.id)); // request order
      const replica = await drain(getStore(), scope);
      expect(replica.records.get(`Board/${b}`)).toMatchObject({ name: 'renamed' });
    });
  });

  describe('idempotency', () => {
    it('a re-pushed batch repeats its results and writes nothing twice', async () => {
      const scope = uniqueScope();
      const b = recordKey('b');
      const events = [
        ev.create('Board', board(b, scope)),
        ev.update('Board', b, { name: 'v2' }),
        ev.delete('Board', 'never-existed'),
        ev.create('Todo', todo(recordKey('t'), 'missing')),
      ];
      const first = await push(scope, events);
      const before = await drain(getStore(), scope);
      const second = await push(scope, events);
      expect(second).toEqual(first);
      expect(first[2]).toEqual({ id: events[2]!.id, appliedChangelogId: null, error: null });
      const after = await pullAndMaterializeLogs({
        store: getStore(),
        scopeKey: scope,
        lastChangelogId: before.cursor,
      });
      expect(after.logsWithRecords).toEqual([]);
      expect(after.cursor).toBe(before.cursor);
    });

    it('a repeat after later changes still answers the first result', async () => {
      const { scope, b } = await withBoard();
      const rename = ev.update('Board', b, { name: 'first' });
      const [first] = await push(scope, [rename]);
      await push(scope, [ev.update('Board', b, { name: 'second' })]);
      const [again] = await push(scope, [rename]);
      expect(again).toEqual(first);
      const replica = await drain(getStore(), scope);
      expect(replica.records.get(`Board/${b}`)).toMatchObject({ name: 'second' });
    });

    it('a repeat whose record is gone since (deleted, then purged) also says record: null', async () => {
      const scope = uniqueScope();
      const b = recordKey('b');
      const create = ev.create('Board', board(b, scope));
      const rename = ev.update('Board', b, { name: 'renamed' });
      const first = await push(scope, [create, rename]);
      const [deleted] = await push(scope, [ev.delete('Board', b)]);
      const gone = first.map((result) => ({ ...result, record: null }));
      expect(await push(scope, [create, rename])).toEqual(gone);
      // A delete's own repeat needs no note: its effect is the record being gone.
      expect(await push(scope, [{ ...ev.delete('Board', b), id: deleted!.id }])).toEqual([deleted]);
      await purgeTombstones({
        store: getStore(),
        retentionMs: 0,
        now: new Date(Date.now() + 60_000),
      });
      expect(await push(scope, [create, rename])).toEqual(gone);
      expect(first[0]).toMatchObject({ error: null, version: 1 });
    });

    it('the same id twice in one batch applies once', async () => {
      const { scope, b } = await withBoard();
      const rename = ev.update('Board', b, { name: 'once' });
      const results = await push(scope, [rename, rename]);
      expect(results[1]).toEqual(results[0]);
      expect(results[0]!.version).toBe(2);
    });

    it('rejected ids are not remembered: a retry is checked afresh', async () => {
      const scope = uniqueScope();
      const b = recordKey('b');
      const createTodo = ev.create('Todo', todo(recordKey('t'), b));
      expect(errorTypes(await push(scope, [createTodo]))).toEqual(['MISSING_PARENT']);
      await push(scope, [ev.create('Board', board(b, scope))]);
      expect(errorTypes(await push(scope, [createTodo]))).toEqual([null]);
    });

    it('event ids are per scope', async () => {
      const alice = uniqueScope();
      const bob = uniqueScope();
      const shared = 'same-event-id';
      const [a] = await push(alice, [
        ev.create('Board', board(recordKey('b'), alice), { id: shared }),
      ]);
      const [b] = await push(bob, [ev.create('Board', board(recordKey('b'), bob), { id: shared })]);
      expect(a!.error).toBeNull();
      expect(b!.error).toBeNull();
      expect(b!.appliedChangelogId).not.toBeNull();
    });
  });

  describe('semantics', () => {
    it('a todo after its board in one batch', async () => {
      const scope = uniqueScope();
      const b = recordKey('b');
      const t = recordKey('t');
      const results = await push(scope, [
        ev.create('Board', board(b, scope)),
        ev.create('Todo', todo(t, b)),
      ]);
      expect(errorTypes(results)).toEqual([null, null]);
      expect(results.map((r) => r.version)).toEqual([1, 1]);
      const replica = await drain(getStore(), scope);
      expect([...replica.records.keys()].sort()).toEqual([`Board/${b}`, `Todo/${t}`].sort());
    });

    it('create of an existing key in the own scope is an upsert', async () => {
      const { scope, b } = await withBoard();
      const [result] = await push(scope, [ev.create('Board', board(b, scope, 'replaced'))]);
      expect(result).toMatchObject({ error: null, version: 2 });
      const replica = await drain(getStore(), scope);
      expect(replica.records.get(`Board/${b}`)).toMatchObject({ name: 'replaced' });
    });

    it('a key used in another scope, even deleted, is a SCOPE_VIOLATION', async () => {
      const alice = await withBoard();
      await push(alice.scope, [ev.delete('Board', alice.b)]);
      const bob = uniqueScope();
      const results = await push(bob, [
        ev.create('Board', board(alice.b, bob)),
        ev.update('Board', alice.b, { name: 'x' }),
        ev.delete('Board', alice.b),
      ]);
      expect(errorTypes(results)).toEqual([
        'SCOPE_VIOLATION',
        'SCOPE_VIOLATION',
        'SCOPE_VIOLATION',
      ]);
      expect(results.every((r) => r.record === undefined)).toBe(true);
      // The owner can still re-create it.
      expect(
        errorTypes(await push(alice.scope, [ev.create('Board', board(alice.b, alice.scope))])),
      ).toEqual([null]);
    });

    it('forged scope fields are rejected', async () => {
      const alice = await withBoard();
      const bob = uniqueScope();
      const results = await push(alice.scope, [
        ev.create('Board', board(recordKey('b'), bob)),
        ev.update('Board', alice.b, { userId: bob }),
      ]);
      expect(errorTypes(results)).toEqual(['SCOPE_VIOLATION', 'SCOPE_VIOLATION']);
      expect(await rowCount(bob)).toBe(0);
    });

    it('update of a missing or deleted record is a CONFLICT with record null', async () => {
      const { scope, b } = await withBoard();
      const results = await push(scope, [
        ev.update('Board', 'never', { name: 'x' }),
        ev.delete('Board', b),
        ev.update('Board', b, { name: 'x' }),
      ]);
      expect(errorTypes(results)).toEqual(['CONFLICT', null, 'CONFLICT']);
      expect(results[0]!.record).toBeNull();
      expect(results[2]!.record).toBeNull();
    });

    it('delete of a missing record succeeds without effect', async () => {
      const scope = uniqueScope();
      const results = await push(scope, [ev.delete('Board', 'never')]);
      expect(results[0]).toMatchObject({ error: null, appliedChangelogId: null });
      expect(await rowCount(scope)).toBe(0);
    });

    it('delete accepts the key path, the record, or null as payload', async () => {
      const scope = uniqueScope();
      const keys = [recordKey('b'), recordKey('b'), recordKey('b')];
      await push(
        scope,
        keys.map((k) => ev.create('Board', board(k, scope))),
      );
      const results = await push(scope, [
        { ...ev.delete('Board', keys[0]!), payload: [keys[0]!] },
        {
          ...ev.delete('Board', keys[1]!),
          entityKeyPath: undefined,
          payload: board(keys[1]!, scope),
        },
        ev.delete('Board', keys[2]!),
      ]);
      expect(errorTypes(results)).toEqual([null, null, null]);
      expect((await drain(getStore(), scope)).records.size).toBe(0);
    });

    it('LWW is field-level: an update changes only the fields it carries', async () => {
      const { scope, b } = await withBoard();
      const t = recordKey('t');
      await push(scope, [ev.create('Todo', todo(t, b, 'original'))]);
      await push(scope, [ev.update('Todo', t, { done: true })]);
      await push(scope, [ev.update('Todo', t, { title: 'renamed' })]);
      const replica = await drain(getStore(), scope);
      expect(replica.records.get(`Todo/${t}`)).toMatchObject({
        title: 'renamed',
        done: true,
        boardId: b,
      });
    });

    it('version rule: a stale baseVersion is a CONFLICT carrying the current record', async () => {
      const scope = uniqueScope();
      const key = Math.floor(Math.random() * 1e9);
      const created = await push(scope, [
        ev.create('Note', { id: key, ownerId: scope, body: 'v1' }, { baseVersion: null }),
      ]);
      expect(created[0]).toMatchObject({ error: null, version: 1 });
      const ok = await push(scope, [ev.update('Note', key, { body: 'v2' }, { baseVersion: 1 })]);
      expect(ok[0]).toMatchObject({ error: null, version: 2 });
      const stale = await push(scope, [
        ev.update('Note', key, { body: 'stale' }, { baseVersion: 1 }),
        ev.delete('Note', key, { baseVersion: 1 }),
      ]);
      expect(errorTypes(stale)).toEqual(['CONFLICT', 'CONFLICT']);
      expect(stale[0]).toMatchObject({
        record: { id: key, ownerId: scope, body: 'v2' },
        version: 2,
      });
      // LWW models ignore baseVersion.
      const lww = await withBoard();
      const [result] = await push(lww.scope, [
        ev.update('Board', lww.b, { name: 'x' }, { baseVersion: 99 }),
      ]);
      expect(result!.error).toBeNull();
      // Numeric keys come back as numbers.
      const replica = await drain(getStore(), scope);
      expect(replica.entries.at(-1)!.keyPath).toEqual([key]);
    });
  });

  describe('parents', () => {
    it('cascade: one entry per deleted child at any depth', async () => {
      const { scope, b } = await withBoard();
      const t1 = recordKey('t');
      const t2 = recordKey('t');
      const c1 = recordKey('c');
      await push(scope, [
        ev.create('Todo', todo(t1, b)),
        ev.create('Todo', todo(t2, b)),
        ev.create('Comment', { id: c1, todoId: t1, text: 'hi' }),
      ]);
      const before = await drain(getStore(), scope);
      const [result] = await push(scope, [ev.delete('Board', b)]);
      expect(result!.error).toBeNull();
      const page = await pullAndMaterializeLogs({
        store: getStore(),
        scopeKey: scope,
        lastChangelogId: before.cursor,
      });
      const entries = page.logsWithRecords;
      expect(entries.map((e) => `${e.model}/${e.keyPath[0]}`).sort()).toEqual(
        [`Board/${b}`, `Todo/${t1}`, `Todo/${t2}`, `Comment/${c1}`].sort(),
      );
      expect(entries.every((e) => e.operation === 'delete' && e.record === null)).toBe(true);
      expect(entries[0]).toMatchObject({ model: 'Board', eventId: expect.any(String) });
      expect(entries.slice(1).every((e) => e.eventId === null)).toBe(true);
      expect(result!.appliedChangelogId).toBe(entries[0]!.id);
    });

    it('cascade sees children created and moved in the same batch', async () => {
      const { scope, b } = await withBoard();
      const b2 = recordKey('b');
      const moved = recordKey('t');
      const fresh = recordKey('t');
      const c = recordKey('c');
      await push(scope, [
        ev.create('Board', board(b2, scope)),
        ev.create('Todo', todo(moved, b2)),
        ev.create('Comment', { id: c, todoId: moved, text: 'x' }),
      ]);
      const results = await push(scope, [
        ev.create('Todo', todo(fresh, b)),
        ev.update('Todo', moved, { boardId: b }),
        ev.delete('Board', b),
        ev.update('Comment', c, { text: 'too late' }),
      ]);
      expect(errorTypes(results)).toEqual([null, null, null, 'CONFLICT']);
      const replica = await drain(getStore(), scope);
      expect([...replica.records.keys()]).toEqual([`Board/${b2}`]);
    });

    it('cascade reaches the stored children of a record moved by a create (upsert)', async () => {
      const { scope, b } = await withBoard();
      const b2 = recordKey('b');
      const t = recordKey('t');
      const c = recordKey('c');
      await push(scope, [
        ev.create('Board', board(b2, scope)),
        ev.create('Todo', todo(t, b)),
        ev.create('Comment', { id: c, todoId: t, text: 'x' }),
      ]);
      const results = await push(scope, [ev.create('Todo', todo(t, b2)), ev.delete('Board', b2)]);
      expect(errorTypes(results)).toEqual([null, null]);
      const replica = await drain(getStore(), scope);
      expect([...replica.records.keys()]).toEqual([`Board/${b}`]);
    });

    it('restrict: a board with pins cannot be deleted until they are gone', async () => {
      const { scope, b } = await withBoard();
      const p = recordKey('p');
      await push(scope, [ev.create('Pin', { id: p, boardId: b, label: 'x' })]);
      const [blocked] = await push(scope, [ev.delete('Board', b)]);
      expect(blocked).toMatchObject({ error: { type: 'CONFLICT' }, record: { id: b }, version: 1 });
      const results = await push(scope, [ev.delete('Pin', p), ev.delete('Board', b)]);
      expect(errorTypes(results)).toEqual([null, null]);
    });

    it('moves between parents are re-checked, also into another scope', async () => {
      const alice = await withBoard();
      const bob = await withBoard();
      const t = recordKey('t');
      const a2 = recordKey('b');
      await push(alice.scope, [
        ev.create('Todo', todo(t, alice.b)),
        ev.create('Board', board(a2, alice.scope)),
      ]);
      const results = await push(alice.scope, [
        ev.update('Todo', t, { boardId: bob.b }),
        ev.update('Todo', t, { boardId: 'no-such-board' }),
        ev.update('Todo', t, { boardId: a2 }),
      ]);
      expect(errorTypes(results)).toEqual(['SCOPE_VIOLATION', 'MISSING_PARENT', null]);
      // Deleting the old board no longer takes the moved todo.
      await push(alice.scope, [ev.delete('Board', alice.b)]);
      const replica = await drain(getStore(), alice.scope);
      expect(replica.records.get(`Todo/${t}`)).toMatchObject({ boardId: a2 });
      expect(await rowCount(bob.scope)).toBe(1);
    });

    it('another scope cannot touch my records', async () => {
      const alice = await withBoard();
      const t = recordKey('t');
      await push(alice.scope, [ev.create('Todo', todo(t, alice.b))]);
      const mallory = uniqueScope();
      const results = await push(mallory, [
        ev.update('Todo', t, { title: 'pwned' }),
        ev.delete('Todo', t),
        ev.delete('Board', alice.b),
        ev.create('Todo', todo(t, alice.b)),
      ]);
      expect(errorTypes(results)).toEqual(Array(4).fill('SCOPE_VIOLATION'));
      expect(results.every((r) => r.record === undefined)).toBe(true);
      const replica = await drain(getStore(), alice.scope);
      expect(replica.records.get(`Todo/${t}`)).toMatchObject({ title: `Todo ${t}` });
    });
  });

  describe('scopeKey and writers', () => {
    it('scopeKey may be a function of the event', async () => {
      const scopeA = uniqueScope();
      const scopeB = uniqueScope();
      const ba = recordKey('b');
      const bb = recordKey('b');
      const results = await applyPush({
        store: getStore(),
        schema: testSchema,
        scopeKey: (event) =>
          (event.payload as { userId?: string }).userId === scopeB ? scopeB : scopeA,
        events: [ev.create('Board', board(ba, scopeA)), ev.create('Board', board(bb, scopeB))],
      });
      expect(errorTypes(results)).toEqual([null, null]);
      expect((await drain(getStore(), scopeA)).records.has(`Board/${ba}`)).toBe(true);
      expect((await drain(getStore(), scopeB)).records.has(`Board/${bb}`)).toBe(true);
    });

    it('clientId is stored with the entries', async () => {
      const scope = uniqueScope();
      await push(scope, [ev.create('Board', board(recordKey('b'), scope))], {
        clientId: 'client-1',
      });
      const replica = await drain(getStore(), scope);
      expect(replica.entries[0]!.clientId).toBe('client-1');
    });

    it('server-side writes go through the same checks and reach pulls with eventId null', async () => {
      const { scope, b } = await withBoard();
      const before = await drain(getStore(), scope);
      const results = await applyServerWrites({
        store: getStore(),
        schema: testSchema,
        scopeKey: scope,
        events: [
          {
            entityType: 'Board',
            operation: 'update',
            entityKeyPath: [b],
            payload: { name: 'by admin' },
          },
          { entityType: 'Todo', operation: 'create', payload: todo(recordKey('t'), 'missing') },
        ],
      });
      expect(errorTypes(results)).toEqual([null, 'MISSING_PARENT']);
      const page = await pullAndMaterializeLogs({
        store: getStore(),
        scopeKey: scope,
        lastChangelogId: before.cursor,
      });
      expect(page.logsWithRecords).toHaveLength(1);
      expect(page.logsWithRecords[0]).toMatchObject({
        record: { name: 'by admin' },
        eventId: null,
        clientId: null,
        version: 2,
      });
    });
  });

  describe('pokes', () => {
    it('NOTIFYs each changed scope with its last changelog id on commit', async () => {
      const { scope, b } = await withBoard();
      const pokes: { scope: string; cursor: string }[] = [];
      const stop = await getStore().listen('swsync_poke', (payload) => {
        const poke = JSON.parse(payload) as { scope: string; cursor: string };
        if (poke.scope === scope) pokes.push(poke);
      });
      try {
        const [poked] = await push(scope, [ev.update('Board', b, { name: 'poked' })]);
        await push(scope, [ev.update('Board', 'missing', { name: 'x' })]); // nothing changed
        await expect.poll(() => pokes).toEqual([{ scope, cursor: poked!.appliedChangelogId }]);
      } finally {
        await stop();
      }
    });
  });
});

/** Counts the statements each transaction runs on a real store. */
function counting(store: SyncStore): SyncStore & { statements: number } {
  const counted = {
    kind: store.kind,
    statements: 0,
    query: (text: string, params?: readonly unknown[]) => store.query(text, params),
    listen: store.listen.bind(store),
    close: store.close.bind(store),
    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      return store.transaction((tx) =>
        fn({
          query(text, params) {
            counted.statements++;
            return tx.query(text, params);
          },
        }),
      );
    },
  };
  return counted as SyncStore & { statements: number };
}

describeEachStore('applyPush is set-based', (getStore) => {
  it('runs the same handful of statements for a batch of 2 or of 100 events', async () => {
    const sizes = [2, 100];
    const counts: number[] = [];
    for (const size of sizes) {
      const scope = uniqueScope();
      const b = recordKey('b');
      await applyPush({
        store: getStore(),
        schema: testSchema,
        scopeKey: scope,
        events: [ev.create('Board', board(b, scope))],
      });
      const events = [
        ...Array.from({ length: size / 2 }, () => ev.create('Todo', todo(recordKey('t'), b))),
        ...Array.from({ length: size / 2 }, () => ev.update('Board', b, { name: recordKey('n') })),
      ];
      const store = counting(getStore());
      const results = await applyPush({ store, schema: testSchema, scopeKey: scope, events });
      expect(results.every((r) => r.error === null)).toBe(true);
      counts.push(store.statements);
    }
    expect(counts[0]).toBe(counts[1]);
    expect(counts[1]).toBeLessThanOrEqual(8);
  });

  it('a cascade costs one look-up per relation level, not per child', async () => {
    const scope = uniqueScope();
    const b = recordKey('b');
    const todos = Array.from({ length: 50 }, () => recordKey('t'));
    await applyPush({
      store: getStore(),
      schema: testSchema,
      scopeKey: scope,
      events: [
        ev.create('Board', board(b, scope)),
        ...todos.map((t) => ev.create('Todo', todo(t, b))),
        ...todos.map((t) => ev.create('Comment', { id: recordKey('c'), todoId: t, text: 'x' })),
      ],
    });
    const store = counting(getStore());
    const [result] = await applyPush({
      store,
      schema: testSchema,
      scopeKey: scope,
      events: [ev.delete('Board', b)],
    });
    expect(result!.error).toBeNull();
    // lock, idempotency, read, 3 levels of children, records, events, counter, notify.
    expect(store.statements).toBeLessThanOrEqual(10);
  });
});
