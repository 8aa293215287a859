import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { defineSchema, type LogWithRecord, type PushResult } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../demo/schema.ts';
import { type BaseRow, type OutboxRow, STORES, type VersionRow } from '../store/layout.ts';
import { openLocalDb } from '../store/open.ts';
import { board, todo } from '../testing/demo-records.ts';
import { scriptedContext } from '../testing/scripted-context.ts';
import { applyWrites } from '../write/apply-writes.ts';
import { checkWrite } from '../write/validate.ts';
import { pullChanges } from './pull.ts';
import { applyPushResults } from './push-results.ts';

/**
 * `readStates` skips the `versions` read of a record whose `base` row has `version: null`,
 * relying on: a `base` row with `version === null` => no `versions` row. A model the running
 * schema lacks once broke that: its `base` row was deleted while its events stayed queued, and
 * once the model was back (a later schema, or another tab still on the older app) the next
 * result started from a default `{ record: null, version: null }` base, stored next to the
 * `versions` row the record always had; the result after it then lost the record's scope.
 */
const entry = (model: string, key: string, version: number, record: object, scope: string) =>
  ({
    id: `c-${model}-${key}-${version}`,
    model,
    keyPath: [key],
    operation: version === 1 ? 'create' : 'update',
    record,
    version,
    eventId: null,
    clientId: null,
    scope,
  }) as LogWithRecord & { scope: string };

/** The demo schema without Todo: an app version that dropped the model. */
const withoutTodo = defineSchema({ Board: demoSchema.models.Board });

let ids = 0;
const writeOptions = { now: () => new Date('2026-01-02T00:00:00.000Z'), newId: () => `e${++ids}` };

/**
 * A shared Todo pulled under scope 'shared' at version 1, three edits queued offline; the first
 * settled by an app version without Todo (its `base` row goes, two events stay queued); the app
 * with Todo opens the database again. Returns that database and the two queued rows.
 */
async function todoBaseKeptWhilePending() {
  const indexedDB = new IDBFactory();
  const dbName = `inv-${++ids}`;
  let db = await openLocalDb({ schema: demoSchema, dbName, indexedDB });
  const pages = [
    [
      entry('Board', 'b1', 1, board('b1', 'u1'), 'shared'),
      entry('Todo', 't1', 1, todo('t1', 'b1'), 'shared'),
    ],
  ];
  expect(await pullChanges(scriptedContext(db, pages, { spaces: true }))).toEqual({ kind: 'done' });
  expect(await db.get(STORES.versions, ['Todo', 't1'])).toEqual({
    model: 'Todo',
    key: 't1',
    version: 1,
    scope: 'shared',
  } satisfies VersionRow);
  for (const title of ['one', 'two', 'three']) {
    const write = checkWrite(demoSchema, {
      op: 'update',
      model: 'Todo',
      key: 't1',
      patch: { title },
    });
    await applyWrites(db, demoSchema, [write], writeOptions);
  }
  expect(await db.get(STORES.base, ['Todo', 't1'])).toMatchObject({ version: 1 });
  db.close();

  // The app without Todo: one batch (batchSize 1, or the run's budget ran out) is answered.
  db = await openLocalDb({ schema: withoutTodo, dbName, indexedDB });
  const [r1, r2, r3] = (await db.getAll(STORES.outbox)) as OutboxRow[];
  const first: PushResult = { id: r1!.event.id, appliedChangelogId: 'c2', error: null, version: 2 };
  await applyPushResults(
    scriptedContext(db, [], { schema: withoutTodo, spaces: true }),
    [r1!],
    [first],
  );
  // Two events of the record are still queued: its base row stays, at the applied version.
  expect(await db.get(STORES.base, ['Todo', 't1'])).toMatchObject({ version: 2 });
  expect(await db.count(STORES.outbox)).toBe(2);
  db.close();

  // The app with Todo again (a later release, or another tab still on the older one).
  db = await openLocalDb({ schema: demoSchema, dbName, indexedDB });
  return { db, r2: r2!, r3: r3! };
}

const forbidden = (row: OutboxRow): PushResult => ({
  id: row.event.id,
  appliedChangelogId: null,
  error: { type: 'FORBIDDEN_ROLE', message: 'viewer', retryable: false },
});

describe('a base row with no version has no versions row (readStates relies on it)', () => {
  it('holds after a rejection of an event of a record whose model a schema lacked meanwhile', async () => {
    const { db, r2 } = await todoBaseKeptWhilePending();
    await applyPushResults(scriptedContext(db, [], { spaces: true }), [r2], [forbidden(r2)]);
    const base = (await db.get(STORES.base, ['Todo', 't1'])) as BaseRow | undefined;
    // The server's state after r1, under the queued r3; never a base row without a version
    // beside the record's versions row ({ version: 1, scope: 'shared' }).
    expect(base?.version).toBe(2);
    expect(base?.record).toMatchObject({ id: 't1', title: 'one' });
    expect(await db.get(STORES.versions, ['Todo', 't1'])).toMatchObject({ scope: 'shared' });
    db.close();
  });

  it("the record keeps its scope when the next event's result is stored", async () => {
    const { db, r2, r3 } = await todoBaseKeptWhilePending();
    await applyPushResults(scriptedContext(db, [], { spaces: true }), [r2], [forbidden(r2)]);
    const third: PushResult = {
      id: r3.event.id,
      appliedChangelogId: 'c3',
      error: null,
      version: 3,
    };
    await applyPushResults(scriptedContext(db, [], { spaces: true }), [r3], [third]);
    // The versions row is read (the base row has a version) and keeps the record's scope.
    expect(await db.get('Todo', 't1')).toMatchObject({ title: 'three' });
    expect(await db.get(STORES.versions, ['Todo', 't1'])).toEqual({
      model: 'Todo',
      key: 't1',
      version: 3,
      scope: 'shared',
    } satisfies VersionRow);
    db.close();
  });
});
