import { createHash, randomUUID } from 'node:crypto';
import type { OutboxEvent } from 'swsync/schema';
import { openPostgresStore } from 'swsync/server';
import { encodeSpacesCursor } from '../server/changelog/spaces-cursor.ts';
import { createTestDatabase } from '../server/testing/index.ts';
import { median } from './median.ts';
import { observedStore } from './observed-store.ts';
import {
  SCALE_MEMBERS,
  type ScaleShape,
  scaleScope,
  seedScale,
  todosPerScope,
} from './scale-seed.ts';
import { serveSyncRoutes } from './serve.ts';

export interface ScaleOptions {
  big: ScaleShape;
  small: ScaleShape;
  /** Samples of each measure per trial and side. */
  samples: number;
  trials: number;
  /**
   * After the measurement, a few more pushes and pulls on each side with `auto_explain`
   * logging every statement's plan with buffers into the PostgreSQL server log.
   */
  explain?: boolean;
  log?: (line: string) => void;
}

/** p50 latencies (ms) and statements per request of one side. */
export interface ScaleSide {
  rows: number;
  scopes: number;
  seedMs: number;
  push: Measure;
  pull: Measure;
  /** Spaces pulls at head, by member account (only where the side has shared scopes). */
  spaces: (Measure & { account: string; scopes: number })[];
}

export interface Measure {
  p50Ms: number;
  /** p50 of the time the server awaited the database for one request (its transaction). */
  dbP50Ms: number;
  /** Distinct statement counts seen per request (transaction control not counted). */
  statements: number[];
}

export interface ScaleResult {
  big: ScaleSide;
  small: ScaleSide;
  samples: number;
}

/** Creates per push of 100; the rest update todos seeded in the scope. */
const CREATES = 50;
/** Personal scopes pulled at head (at most half of them). */
const PULL_SCOPES = 10;

type Sample = () => Promise<{ ms: number; dbMs: number; statements: number }>;

interface Side {
  shape: ScaleShape;
  seedMs: number;
  push: Sample;
  pull: Sample;
  spaces: { account: string; scopes: number; sample: Sample }[];
  explain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Push and pull latency with the server's tables at `big` against the same at `small`, on
 * PostgreSQL (`DATABASE_URL`): a database of each shape, seeded inside PostgreSQL
 * (`seedScale`), each behind its own HTTP server running the real routes in this process.
 * Samples alternate between the two sides (which goes first alternates too):
 * - push: one push of 100 events by the owner of a random personal scope: 50 creates of new
 *   todos on its board and 50 updates of random todos seeded there (keys spread over the whole
 *   key space, as clients' UUIDs are);
 * - pull: a v1 pull with the head cursor of one of 10 personal scopes (nothing new);
 * - spaces: a spaces pull at head of each member account of `SCALE_MEMBERS`.
 * Each request's statements are counted (the stores are observed), so a path whose statement
 * count grows with the data or with the number of scopes shows.
 */
export async function benchScale(options: ScaleOptions): Promise<ScaleResult> {
  const log = options.log ?? (() => {});
  const sides: Side[] = [];
  try {
    // The small side first: a mistake shows in seconds, not after the long seed.
    sides.push(await openSide(options.small, log));
    sides.push(await openSide(options.big, log));
    const [small, big] = sides as [Side, Side];
    const seen = new Map<string, number[]>();
    const db = new Map<string, number[]>();
    const counts = new Map<string, Set<number>>();
    const take = async (key: string, sample: Sample, keep: boolean) => {
      const { ms, dbMs, statements } = await sample();
      if (!keep) return;
      (seen.get(key) ?? seen.set(key, []).get(key)!).push(ms);
      (db.get(key) ?? db.set(key, []).get(key)!).push(dbMs);
      (counts.get(key) ?? counts.set(key, new Set()).get(key)!).add(statements);
    };
    const round = async (keep: boolean, bigFirst: boolean) => {
      for (const [name, side] of bigFirst
        ? [['big', big] as const, ['small', small] as const]
        : [['small', small] as const, ['big', big] as const]) {
        await take(`${name} push`, side.push, keep);
        await take(`${name} pull`, side.pull, keep);
        for (const spaces of side.spaces) {
          await take(`${name} spaces ${spaces.account}`, spaces.sample, keep);
        }
      }
    };
    for (let i = 0; i < 5; i++) await round(false, i % 2 === 0); // warm-up: JIT, plans, caches
    for (let trial = 0; trial < options.trials; trial++) {
      for (let i = 0; i < options.samples; i++) await round(true, (trial + i) % 2 === 0);
      log(`trial ${trial + 1} of ${options.trials} done`);
    }
    if (options.explain) for (const side of sides) await side.explain();
    const measure = (key: string): Measure => ({
      p50Ms: median(seen.get(key)!),
      dbP50Ms: median(db.get(key)!),
      statements: [...counts.get(key)!].sort((a, b) => a - b),
    });
    const report = (name: string, side: Side): ScaleSide => ({
      rows: side.shape.rows,
      scopes: side.shape.scopes,
      seedMs: side.seedMs,
      push: measure(`${name} push`),
      pull: measure(`${name} pull`),
      spaces: side.spaces.map(({ account, scopes }) => ({
        account,
        scopes,
        ...measure(`${name} spaces ${account}`),
      })),
    });
    return {
      big: report('big', big),
      small: report('small', small),
      samples: options.samples * options.trials,
    };
  } finally {
    for (const side of sides) await side.close();
  }
}

/** A database of `shape`, seeded, behind an HTTP server; samplers for each measure. */
async function openSide(shape: ScaleShape, log: (line: string) => void): Promise<Side> {
  const db = await createTestDatabase();
  let close = async () => db.drop();
  try {
    const inner = await openPostgresStore({ url: db.url });
    close = async () => {
      await inner.close();
      await db.drop();
    };
    log(`seeding ${shape.rows} rows in ${shape.scopes} scopes (${db.name})`);
    const started = performance.now();
    await seedScale(db.url, shape, log);
    const seedMs = performance.now() - started;
    const { store, stats, reset } = observedStore(inner);
    const server = await serveSyncRoutes(store);
    close = async () => {
      await server.close();
      await inner.close();
      await db.drop();
    };
    let base = server.base;
    const post = async (path: string, account: string, body: object) => {
      const response = await fetch(`${base}/api/sync/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bench-user': account },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as unknown;
      if (!response.ok) throw new Error(`scale ${path} failed: ${response.status}`);
      return answer;
    };
    // One request, timed from the client, and the statements the server sent for it.
    const timed = async (run: () => Promise<void>) => {
      reset();
      const started = performance.now();
      await run();
      const ms = performance.now() - started;
      // A pull outside spaces is one statement, outside any transaction.
      return { ms, dbMs: stats.txMs || stats.sqlMs, statements: stats.statements };
    };

    const personal = Array.from(
      { length: shape.scopes - shape.shared },
      (_, i) => shape.shared + i,
    );
    // Disjoint, so that no push moves a pulled scope's head.
    const pulled = Math.min(PULL_SCOPES, Math.floor(personal.length / 2));
    const pullScopes = personal.slice(0, pulled);
    const pushScopes = personal.slice(pulled);
    if (pushScopes.length === 0) throw new Error('scale: no personal scope left to push to');
    const cursors = new Map<string, string>();
    for (const i of pullScopes) {
      const scope = scaleScope(shape, i);
      cursors.set(scope, await headCursor(scope, (body) => post('pull', scope, body)));
    }
    const pull: Sample = () => {
      const scope = scaleScope(shape, pullScopes[Math.floor(Math.random() * pullScopes.length)]!);
      return timed(async () => {
        const page = (await post('pull', scope, {
          lastChangelogId: cursors.get(scope),
          limit: 1000,
        })) as { logsWithRecords: unknown[]; hasMore: boolean };
        if (page.logsWithRecords.length > 0 || page.hasMore) throw new Error('scale: not at head');
      });
    };
    const push: Sample = () => {
      const i = pushScopes[Math.floor(Math.random() * pushScopes.length)]!;
      const scope = scaleScope(shape, i);
      const events = pushBatch(shape, i);
      return timed(async () => {
        const results = (await post('push', scope, { events, clientId: `client-${i}` })) as {
          error: unknown;
        }[];
        if (results.some((r) => r.error !== null)) throw new Error('scale: a push was rejected');
      });
    };
    const spaces = SCALE_MEMBERS.filter(({ count }) => count <= shape.shared).map(
      ({ account, count }) => {
        // The head cursor as the server writes it, checked by the first pull (nothing new).
        let cursor = encodeSpacesCursor(account, {
          log: count,
          positions: new Map(
            Array.from({ length: count + 1 }, (_, grant) => [
              grant,
              { seq: grant === 0 ? 0 : shape.rows / shape.scopes, fullPullSince: null },
            ]),
          ),
        });
        const sample: Sample = () =>
          timed(async () => {
            const page = (await post('pull', account, {
              lastChangelogId: cursor,
              limit: 1000,
              spaces: true,
            })) as { logsWithRecords: unknown[]; hasMore: boolean; cursor: string };
            if (page.logsWithRecords.length > 0 || page.hasMore) {
              throw new Error('scale: spaces pull not at head');
            }
            cursor = page.cursor;
          });
        return { account, scopes: count + 1, sample };
      },
    );
    const explain = async () => {
      for (const setting of [
        "session_preload_libraries = 'auto_explain'",
        'auto_explain.log_min_duration = 0',
        'auto_explain.log_analyze = on',
        'auto_explain.log_buffers = on',
      ]) {
        await inner.query(`ALTER DATABASE ${db.name} SET ${setting}`);
      }
      // New connections load it: a store of its own behind a server of its own.
      const traced = await openPostgresStore({ url: db.url, max: 1 });
      const tracedServer = await serveSyncRoutes(traced);
      base = tracedServer.base;
      const from = new Date().toISOString();
      try {
        for (let i = 0; i < 3; i++) {
          await push();
          await pull();
        }
      } finally {
        base = server.base;
        await tracedServer.close();
        await traced.close();
      }
      log(
        `auto_explain: plans of 3 pushes and 3 pulls on ${db.name} in the server log from ${from}`,
      );
    };
    return { shape, seedMs, push, pull, spaces, explain, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Pulls `scope` from its start through the route and returns the cursor at its head. */
async function headCursor(scope: string, pull: (body: object) => Promise<unknown>) {
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const answer = (await pull({ lastChangelogId: cursor, limit: 1000 })) as {
      cursor: string;
      hasMore: boolean;
    };
    cursor = answer.cursor;
    if (!answer.hasMore) return cursor;
  }
  throw new Error(`scale: ${scope} did not reach its head`);
}

/** The id `seedScale` gave todo `n`: md5('k' || n) as a UUID. */
function seededTodoId(n: number): string {
  const hex = createHash('md5').update(`k${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 50 creates on scope `i`'s board and 50 updates of random todos seeded in it. */
function pushBatch(shape: ScaleShape, i: number): OutboxEvent[] {
  const at = new Date().toISOString();
  const perScope = todosPerScope(shape);
  const updated = new Set<number>();
  while (updated.size < Math.min(100 - CREATES, perScope)) {
    updated.add(Math.floor(Math.random() * perScope));
  }
  const creates = Array.from({ length: CREATES }, (_, c): OutboxEvent => {
    const id = randomUUID();
    return {
      id: randomUUID(),
      entityType: 'Todo',
      entityKeyPath: [id],
      operation: 'create',
      payload: {
        id,
        boardId: `board-${i}`,
        title: `new todo ${c}`,
        done: false,
        createdAt: at,
        updatedAt: at,
      },
      createdAt: at,
    };
  });
  const updates = [...updated].map((k): OutboxEvent => {
    const id = seededTodoId(i + k * shape.scopes);
    return {
      id: randomUUID(),
      entityType: 'Todo',
      entityKeyPath: [id],
      operation: 'update',
      payload: { id, title: `todo ${k}, edited`, done: true, updatedAt: at },
      createdAt: at,
    };
  });
  return [...creates, ...updates];
}
