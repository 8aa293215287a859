import fc from 'fast-check';
import { Hono } from 'hono';
import {
  errorBodySchema,
  type PullResponse,
  pullResponseSchema,
  pushResponseSchema,
} from 'swsync/schema';
import { syncRoutes } from 'swsync/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strictObject } from 'zod/mini';
import { demoSchema } from '../demo/schema.ts';
import { bearerAuth, type ServedApp, serveOnFreePort } from '../server/http/testing/index.ts';
import { type Fault, faultyFetch, ManualClock } from '../sw/testing/faults.ts';
import { Rng } from './support/prng.ts';
import {
  demoEngine,
  liveRecords,
  localRecords,
  openReliabilityStore,
  type ReliabilityStore,
  type ServerEntry,
  serverState,
  sorted,
  type TestEngine,
} from './support/servers.ts';
import { Ledger, Writer } from './support/workload.ts';

const SEED = Number(process.env.RELIABILITY_SEED ?? 20261129);
const BODIES = Number(process.env.RELIABILITY_FUZZ_BODIES ?? 10_000);
const at = '2026-01-01T00:00:00.000Z';

let db: ReliabilityStore;
let app: Hono;
let served: ServedApp;
const logged: string[] = [];
beforeAll(async () => {
  db = await openReliabilityStore();
  app = new Hono().route(
    '/api/sync',
    syncRoutes({
      store: db.store,
      schema: demoSchema,
      auth: bearerAuth,
      // Every logged error is a 500: none may happen.
      logger: (message, error) => logged.push(`${message}: ${String(error)}`),
    }),
  );
  served = await serveOnFreePort(app);
});
afterAll(async () => {
  await served?.close();
  await db?.close();
});

interface Answer {
  status: number;
  type: string | null;
  text: string;
}

/** A POST to the app: straight into its `fetch` (fast), or over a real socket. */
async function post(
  path: 'push' | 'pull',
  user: string,
  body: BodyInit,
  contentType: string | null = 'application/json',
  overHttp = false,
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${user}` };
  if (contentType !== null) headers['content-type'] = contentType;
  const init = { method: 'POST', headers, body };
  const response = overHttp
    ? await fetch(`${served.url}/api/sync/${path}`, init)
    : await app.fetch(new Request(`http://127.0.0.1/api/sync/${path}`, init));
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text: await response.text(),
  };
}

describe('random interleavings of writes from several clients, with random faults', () => {
  type Op = 'create' | 'update' | 'delete' | 'own' | 'sync';
  const command = fc.record({
    client: fc.nat(2),
    op: fc.constantFrom<Op>('create', 'update', 'delete', 'own', 'own', 'sync', 'sync'),
    key: fc.nat(3),
    title: fc.string({ minLength: 1, maxLength: 6 }),
    fault: fc.constantFrom<Fault | undefined>(
      undefined,
      undefined,
      'drop-request',
      'drop-response',
      { status: 503 },
      { status: 429, headers: { 'retry-after': '1' } },
    ),
  });

  it('converge: every client ends equal to the server, own writes applied exactly once', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 30 }), async (commands) => {
        run++;
        const user = `prop-${SEED}-${run}-${Date.now().toString(36)}`;
        const rng = new Rng(SEED + run);
        const ledger = new Ledger();
        // Timers that never fire: retries happen only when a command syncs (deterministic).
        const clock = new ManualClock();
        const clients: (TestEngine & { writer: Writer; faults: Fault[] })[] = [];
        for (let i = 0; i < 3; i++) {
          const faulty = faultyFetch();
          const faults: Fault[] = [];
          faulty.plan = () => faults.shift();
          const engine = await demoEngine(user, `c${i}`, {
            endpoint: `${served.url}/api/sync`,
            fetch: faulty.fetch,
            setTimeout: clock.setTimeout,
            clearTimeout: clock.clearTimeout,
          });
          clients.push({ ...engine, writer: new Writer(user, `${user}-c${i}`, ledger), faults });
        }
        const shared = `${user}-shared`;
        await clients[0]!.engine.create('Board', {
          id: shared,
          name: 'S',
          userId: user,
          createdAt: at,
        });
        for (const c of clients) await c.engine.sync('manual');

        for (const cmd of commands) {
          const c = clients[cmd.client]!;
          if (cmd.fault !== undefined) c.faults.push(cmd.fault);
          const id = `${shared}-t${cmd.key}`;
          // Writes on shared keys may be refused locally (absent record): that is no event.
          const attempt = async (write: () => Promise<unknown>) => write().catch(() => undefined);
          switch (cmd.op) {
            case 'create':
              await attempt(() =>
                c.engine.create('Todo', {
                  id,
                  boardId: shared,
                  title: cmd.title,
                  done: false,
                  createdAt: at,
                  updatedAt: at,
                }),
              );
              break;
            case 'update':
              await attempt(() => c.engine.update('Todo', id, { title: cmd.title }));
              break;
            case 'delete':
              await attempt(() => c.engine.delete('Todo', id));
              break;
            case 'own':
              await c.writer.write(c.engine, rng);
              break;
            case 'sync':
              await c.engine.sync('manual');
              break;
          }
        }

        for (const c of clients) c.faults.length = 0;
        for (let round = 0; round < 6; round++) {
          const statuses = [];
          for (const c of clients) statuses.push(await c.engine.sync('manual'));
          if (round > 0 && statuses.every((s) => s.pending === 0 && s.lastError === null)) break;
        }
        const state = await serverState(db.store, user);
        const own = new Map<string, ServerEntry>(
          [...state].filter(([id]) => !id.includes('-shared')),
        );
        expect(ledger.diff(own)).toEqual([]);
        const live = sorted(liveRecords(state));
        for (const c of clients) {
          expect(sorted(await localRecords(c.engine))).toEqual(live);
          expect(await c.engine.status()).toMatchObject({ pending: 0 });
          await c.engine.close();
        }
      }),
      { numRuns: Number(process.env.RELIABILITY_PROPERTY_RUNS ?? 30), seed: SEED },
    );
    expect(logged).toEqual([]);
  });
});

describe("forged events against another scope's data", () => {
  const victim = `victim-${SEED}-${Date.now().toString(36)}`;
  const attacker = `attacker-${SEED}-${Date.now().toString(36)}`;
  const secret = (what: string) => `secret-${what}-${victim}`;
  const boards = [0, 1].map((i) => `${victim}-b${i}`);
  const todos = [0, 1, 2].map((i) => `${victim}-t${i}`);
  const ownBoard = `${attacker}-b`;
  const ownTodo = `${attacker}-t`;

  beforeAll(async () => {
    const events = [
      ...boards.map((id, i) => ({
        id: `seed-${id}`,
        entityType: 'Board',
        operation: 'create',
        payload: { id, name: secret(`board${i}`), userId: victim, createdAt: at },
        createdAt: at,
      })),
      ...todos.map((id, i) => ({
        id: `seed-${id}`,
        entityType: 'Todo',
        operation: 'create',
        payload: {
          id,
          boardId: boards[i % 2],
          title: secret(`todo${i}`),
          done: false,
          createdAt: at,
          updatedAt: at,
        },
        createdAt: at,
      })),
    ];
    const answer = await post('push', victim, JSON.stringify({ events }));
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as { error: unknown }[]).every((r) => r.error === null)).toBe(
      true,
    );
    const own = await post(
      'push',
      attacker,
      JSON.stringify({
        events: [
          {
            id: `seed-${ownBoard}`,
            entityType: 'Board',
            operation: 'create',
            payload: { id: ownBoard, name: 'mine', userId: attacker, createdAt: at },
            createdAt: at,
          },
          {
            id: `seed-${ownTodo}`,
            entityType: 'Todo',
            operation: 'create',
            payload: {
              id: ownTodo,
              boardId: ownBoard,
              title: 'mine',
              done: false,
              createdAt: at,
              updatedAt: at,
            },
            createdAt: at,
          },
        ],
      }),
    );
    expect(own.status).toBe(200);
  });

  /** Events of the attacker that aim at the victim's records, scope or parents. */
  const forged = (): fc.Arbitrary<Record<string, unknown>> => {
    const victimBoard = fc.constantFrom(...boards);
    const victimTodo = fc.constantFrom(...todos);
    const scopeUser = fc.constantFrom(victim, attacker);
    const anyKey = fc.oneof(victimBoard, victimTodo, fc.constantFrom(ownBoard, ownTodo));
    const event = fc.oneof(
      // Create a board under a victim's key, or in the victim's scope.
      fc.tuple(fc.oneof(victimBoard, fc.uuid()), scopeUser).map(([id, userId]) => ({
        entityType: 'Board',
        operation: 'create',
        payload: { id, name: 'forged', userId, createdAt: at },
      })),
      // Create a todo under a victim's key or under a victim's board.
      fc
        .tuple(fc.oneof(victimTodo, fc.uuid()), fc.oneof(victimBoard, fc.constant(ownBoard)))
        .map(([id, boardId]) => ({
          entityType: 'Todo',
          operation: 'create',
          payload: { id, boardId, title: 'forged', done: true, createdAt: at, updatedAt: at },
        })),
      // Update a victim's record, or move the attacker's todo/board into the victim's scope.
      fc
        .tuple(
          fc.constantFrom('Board', 'Todo'),
          anyKey,
          fc.record(
            {
              name: fc.constant('forged'),
              title: fc.constant('forged'),
              userId: scopeUser,
              boardId: fc.oneof(victimBoard, fc.constant(ownBoard)),
              done: fc.boolean(),
            },
            { requiredKeys: [] },
          ),
          fc.option(fc.integer({ min: -1, max: 5 })),
        )
        .map(([entityType, key, payload, baseVersion]) => ({
          entityType,
          operation: 'update',
          entityKeyPath: [key],
          payload,
          ...(baseVersion === null ? {} : { baseVersion }),
        })),
      // Delete a victim's record, by key path or by record.
      fc
        .tuple(fc.constantFrom('Board', 'Todo'), anyKey, fc.boolean())
        .map(([entityType, key, asRecord]) => ({
          entityType,
          operation: 'delete',
          entityKeyPath: [key],
          payload: asRecord ? { id: key } : null,
        })),
    );
    return fc.tuple(event, fc.uuid()).map(([e, id]) => ({ ...e, id, createdAt: at }));
  };

  it('have zero effect on the victim and leak nothing of it', async () => {
    const before = await serverState(db.store, victim);
    expect(before.size).toBe(5);
    const secrets = [...before.values()].flatMap((e) =>
      Object.values(e.record ?? {}).filter((v) => typeof v === 'string' && v.startsWith('secret-')),
    );
    expect(secrets).toHaveLength(5);
    const errorTypes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(forged(), { minLength: 1, maxLength: 6 }), async (events) => {
        const answer = await post('push', attacker, JSON.stringify({ events }));
        expect(answer.status).toBe(200);
        for (const s of secrets) expect(answer.text).not.toContain(s);
        for (const result of JSON.parse(answer.text) as {
          error: { type: string } | null;
          record?: unknown;
        }[]) {
          const type = result.error?.type ?? 'applied';
          errorTypes.set(type, (errorTypes.get(type) ?? 0) + 1);
          // A rejection may carry a record only when it is the caller's own.
          if (result.record) expect(JSON.stringify(result.record)).not.toContain(victim);
        }
      }),
      { numRuns: Number(process.env.RELIABILITY_FORGED_RUNS ?? 400), seed: SEED },
    );
    // Byte for byte the same: no version bumped, no record touched, nothing added.
    expect(sorted(await serverState(db.store, victim))).toEqual(sorted(before));
    // Nor did anything of the victim's reach the attacker's scope.
    const attackerPull = await post(
      'pull',
      attacker,
      JSON.stringify({ lastChangelogId: null, limit: 1000 }),
    );
    for (const s of [...secrets, ...boards, ...todos]) expect(attackerPull.text).not.toContain(s);
    // The forgeries reached the scope checks (not all stopped at the shape).
    expect(errorTypes.get('SCOPE_VIOLATION') ?? 0).toBeGreaterThan(50);
    console.log(
      `[reliability] forged events: results ${JSON.stringify(Object.fromEntries(errorTypes))}`,
    );
    expect(logged).toEqual([]);
  });
});

describe(`${BODIES} random or malformed bodies to /push and /pull`, () => {
  const user = `fuzz-${SEED}-${Date.now().toString(36)}`;
  const nasty = fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff\ud800',
    '\u2028',
    '\ufeff',
    'é'.repeat(300),
    '𝄞',
    '__proto__',
    'constructor',
    'x'.repeat(70_000),
  );
  const text = fc.oneof(fc.string(), nasty);
  const json = fc.jsonValue({ maxDepth: 3 });
  const key = fc.oneof(fc.constantFrom(`${user}-b0`, `${user}-b1`, `${user}-t0`), text);
  /** An event close enough to valid to reach the database, with a nasty value somewhere. */
  const nearValid = fc
    .tuple(
      fc.constantFrom('Board', 'Todo'),
      fc.constantFrom('create', 'update', 'delete'),
      key,
      text,
      fc.option(fc.oneof(fc.integer(), fc.double(), json), { nil: undefined }),
      fc.oneof(fc.uuid(), text),
    )
    .map(([model, op, k, value, baseVersion, id]) => ({
      id,
      entityType: model,
      operation: op,
      createdAt: at,
      ...(op === 'create' ? {} : { entityKeyPath: [k] }),
      payload:
        op === 'delete'
          ? null
          : model === 'Board'
            ? { id: k, name: value, userId: user, createdAt: at }
            : {
                id: k,
                boardId: `${user}-b0`,
                title: value,
                done: false,
                createdAt: at,
                updatedAt: at,
              },
      ...(baseVersion === undefined ? {} : { baseVersion }),
    }));
  const pushBody = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.array(nearValid, { maxLength: 4 }).map((events) => JSON.stringify({ events })),
    },
    {
      weight: 2,
      arbitrary: fc.array(json, { maxLength: 4 }).map((events) => JSON.stringify({ events })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ events: fc.array(nearValid, { maxLength: 2 }), clientId: json })
        .map((b) => JSON.stringify(b)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 99, max: 150 })
        .map((n) => JSON.stringify({ events: Array(n).fill({ id: 'x' }) })),
    },
  );
  const pullBody = fc
    .record(
      {
        lastChangelogId: fc.oneof(
          text,
          json,
          fc.constantFrom('0', '-1', '1e400', '99999999999999999999', 'null'),
        ),
        limit: fc.oneof(fc.integer(), fc.double(), json, fc.constantFrom(0, 1, 1000, 1001, -1)),
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b));
  const anyBody = fc.oneof(
    json.map((v) => JSON.stringify(v)),
    text,
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    // Deep nesting, duplicate keys, truncated JSON, prototype keys, numbers out of range.
    fc.integer({ min: 1, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    fc.integer({ min: 1, max: 5_000 }).map((n) => `{"events":${'['.repeat(n)}`),
    fc.constant('{"events":[],"events":{"__proto__":{"polluted":1}}}'),
    fc.constant('{"__proto__":{"events":[]}}'),
    fc.constant('{"events":[{"id":"p","__proto__":{"entityType":"Board"}}]}'),
    fc.constant('{"lastChangelogId":1e400,"limit":1e400}'),
    fc.constant('\ufeff{"events":[]}'),
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    null,
  );
  const request = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constant<'push'>('push'), pushBody, contentType) },
    { weight: 2, arbitrary: fc.tuple(fc.constant<'pull'>('pull'), pullBody, contentType) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom<'push' | 'pull'>('push', 'pull'), anyBody, contentType),
    },
  );

  it('never answer a 5xx, always a JSON body of the protocol shape (every 50th over real HTTP)', async () => {
    // The parents some near-valid events point at.
    await post(
      'push',
      user,
      JSON.stringify({
        events: [0, 1].map((i) => ({
          id: `fuzz-seed-${i}-${user}`,
          entityType: 'Board',
          operation: 'create',
          payload: { id: `${user}-b${i}`, name: 'b', userId: user, createdAt: at },
          createdAt: at,
        })),
      }),
    );
    const requests = fc.sample(request, { numRuns: BODIES, seed: SEED });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let applied = 0;
    for (const [i, [path, body, type]] of requests.entries()) {
      const answer = await post(path, user, body, type, i % 50 === 0);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const where = `#${i} ${path} ${type} ${body.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 200)}`;
      if (answer.status >= 500 || !/^application\/json/.test(answer.type ?? '')) {
        failures.push(where);
      } else {
        const parsed = JSON.parse(answer.text) as unknown;
        const ok =
          answer.status === 200
            ? (path === 'push' ? pushResponseSchema : pullResponseSchema).safeParse(parsed).success
            : [400, 409, 413].includes(answer.status) &&
              strictObject(errorBodySchema.shape).safeParse(parsed).success;
        if (!ok) failures.push(`shape: ${where}`);
        if (answer.status === 200 && path === 'push') {
          applied += (parsed as { error: unknown }[]).filter((r) => r.error === null).length;
        }
      }
      if (failures.length >= 10) break;
    }
    console.log(
      `[reliability] fuzz: ${requests.length} bodies, statuses ${JSON.stringify(Object.fromEntries(statuses))}, events applied ${applied}`,
    );
    expect(failures).toEqual([]);
    expect(logged).toEqual([]);
    // The bodies reached the write path, and nothing invalid got stored.
    expect(applied).toBeGreaterThan(100);
    const page = JSON.parse(
      (await post('pull', user, JSON.stringify({ lastChangelogId: null, limit: 1000 }))).text,
    ) as PullResponse;
    for (const log of page.logsWithRecords) {
      if (log.record === null) continue;
      const model = demoSchema.getModel(log.model);
      expect(model?.recordSchema.safeParse(log.record).success, JSON.stringify(log)).toBe(true);
    }
  });
});
