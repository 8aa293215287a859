import fc from 'fast-check';
import type { SpaceRole } from 'swsync/schema';
import type { SyncStore } from 'swsync/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../sw/testing/faults.ts';
import { type FaultProxy, type ProxyFault, startFaultProxy } from './proxy.ts';
import {
  demoEngine,
  localRecords,
  openReliabilityStore,
  type ReliabilityStore,
  type ServedRoutes,
  serveDemoRoutes,
  sorted,
  type TestEngine,
} from './support/servers.ts';
import {
  type Command,
  commandArb,
  FAULTS,
  RACE_ERRORS,
  rejectedIds,
  SPACE_ERRORS,
  World,
} from './support/spaces-model.ts';

/*
 * Issue #9: three accounts, devices on two server instances (over one PostgreSQL database when
 * DATABASE_URL is set, else two apps over one PGlite store), random shares, role changes,
 * revocations and writes, with network faults per device. After healing and syncing to
 * quiescence, every device holds exactly the live records of the scopes its account can read;
 * and at every step, no write a viewer or a removed member made is on the server.
 */

const SEED = Number(process.env.RELIABILITY_SEED ?? 20261129);
const RUNS = Number(process.env.RELIABILITY_SPACES_RUNS ?? 15);
const at = '2026-01-01T00:00:00.000Z';

let db: ReliabilityStore;
/**
 * PostgreSQL: the second instance's own pool on the same database. PGlite cannot be opened
 * twice: both apps then share one store (two apps, two ports, one store), not two pools.
 */
let second: SyncStore | undefined;
const instances: ServedRoutes[] = [];
const proxies: FaultProxy[] = [];
/** The fault of each device (by its `x-rel-client` tag); absent: it passes. */
const faults = new Map<string, ProxyFault>();

beforeAll(async () => {
  db = await openReliabilityStore();
  second = db.openAnother ? await db.openAnother() : undefined;
  for (const store of [db.store, second ?? db.store]) {
    const served = await serveDemoRoutes(store);
    instances.push(served);
    proxies.push(
      await startFaultProxy(served.url, (request) =>
        request.client ? (faults.get(request.client) ?? { kind: 'pass' }) : { kind: 'pass' },
      ),
    );
  }
});
afterAll(async () => {
  await Promise.allSettled(proxies.map((p) => p.close()));
  await Promise.allSettled(instances.map((s) => s.close()));
  await db?.close();
});

interface Device extends TestEngine {
  tag: string;
  account: number;
}

async function members(
  owner: string,
  path: 'members' | 'members/revoke',
  body: Record<string, unknown>,
  via: ServedRoutes,
): Promise<{ status: number; body: { scope?: string; membership?: string | null } }> {
  const response = await fetch(`${via.endpoint}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { scope?: string } };
}

/** Live records of `scopes` on the server, by `Model/key`, read from the store itself. */
async function serverRecords(scopes: string[]): Promise<Map<string, Record<string, unknown>>> {
  const rows = await db.store.query<{ model: string; key: string; record: unknown }>(
    `SELECT model, key, record FROM swsync_records
     WHERE scope IN (SELECT jsonb_array_elements_text($1::text::jsonb)) AND record IS NOT NULL`,
    [JSON.stringify(scopes)],
  );
  const out = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const record = typeof row.record === 'string' ? JSON.parse(row.record) : row.record;
    out.set(`${row.model}/${JSON.parse(row.key)}`, record as Record<string, unknown>);
  }
  return out;
}

/**
 * The invariants that hold at every step. No write the model marked forbidden (and whose
 * author was not made an editor again since) is on the server: neither its token, nor a
 * delete that no permitted delete explains. Every todo of the run is under the board it was
 * created under (no move between scopes was applied), in that board's scope.
 */
async function expectServerInvariants(world: World, tag: string, run: string): Promise<void> {
  const todos = await db.store.query<{
    key: string;
    board: string;
    scope: string;
    board_scope: string | null;
  }>(
    `SELECT t.key, t.record->>'boardId' AS board, t.scope, b.scope AS board_scope
     FROM swsync_records t
     LEFT JOIN swsync_records b ON b.model = 'Board' AND b.key = to_jsonb(t.record->>'boardId')::text
     WHERE t.model = 'Todo' AND t.record IS NOT NULL AND t.key LIKE $1`,
    [`"${tag}-%`],
  );
  for (const t of todos) {
    const id = JSON.parse(t.key) as string;
    expect([id, t.board, t.scope], `${run}: todo under its board, in its scope`).toEqual([
      id,
      world.todos.get(id),
      t.board_scope,
    ]);
  }
  const live = world.forbidden.filter((w) => !w.raised);
  if (live.length === 0) return;
  const tokens = live.flatMap((w) => (w.token ? [w.token] : []));
  if (tokens.length > 0) {
    const applied = await db.store.query<{ model: string; key: string }>(
      `SELECT model, key FROM swsync_records
       WHERE coalesce(record->>'title', record->>'name')
         IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
      [JSON.stringify(tokens)],
    );
    expect(applied, `${run}: forbidden writes applied`).toEqual([]);
  }
  for (const w of live.filter((x) => x.kind === 'delete')) {
    const [model, key] = w.id.split('/') as ['Board' | 'Todo', string];
    const board = model === 'Board' ? key : world.todos.get(key);
    if (world.permittedDeletes.has(w.id) || world.permittedDeletes.has(`Board/${board}`)) continue;
    const [row] = await db.store.query<{ record: unknown }>(
      'SELECT record FROM swsync_records WHERE model = $1 AND key = $2',
      [model, JSON.stringify(key)],
    );
    expect(row?.record ?? 'absent', `${run}: forbidden delete of ${w.id} applied`).not.toBeNull();
  }
}

/**
 * Every run opens with one certain case of each kind the totals below ask for (so that even a
 * few runs cannot pass vacuously): account 0 shares its board with account 1 as a viewer; a
 * device of account 1 pulls it and renames it, and pushes (FORBIDDEN_ROLE), renames it again,
 * then account 1 is removed (that pending write must be dropped as SCOPE_REVOKED); and a move
 * between scopes.
 */
const OPENING: Command[] = [
  { op: 'share', owner: 0, pick: 0, to: 0, role: 'viewer' },
  { op: 'sync', device: 2, wait: true },
  { op: 'update', device: 2, pick: 0, todo: false, shared: true },
  { op: 'sync', device: 2, wait: true },
  { op: 'update', device: 2, pick: 0, todo: false, shared: true },
  { op: 'revoke', owner: 0, pick: 0, to: 0 },
  // The owner adds a todo to the shared board, then moves it onto a new personal board: a move
  // between scopes (SCOPE_VIOLATION, rolled back).
  { op: 'createTodo', device: 0, pick: 0, shared: true },
  { op: 'sync', device: 0, wait: true },
  { op: 'createBoard', device: 0 },
  { op: 'move', device: 0, pick: 0, target: 0 },
];

describe('shared spaces under random memberships, writes and faults (issue #9)', () => {
  it('every device ends with exactly its readable records; no viewer’s or removed member’s write is applied', async () => {
    let run = 0;
    const totals = { moves: 0, forbidden: 0, spaceRejections: 0, shares: 0, revokes: 0, faults: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(commandArb, { minLength: 20, maxLength: 50 }),
        // Per device: pull page size and push batch size. Small pages split a newly granted
        // scope, and a revocation, across pages and requests.
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })), {
          minLength: 5,
          maxLength: 5,
        }),
        async (commands, sizes) => {
          run++;
          const tag = `sp${SEED}-${run}-${Date.now().toString(36)}`;
          const accounts = [0, 1, 2].map((a) => `${tag}-a${a}`);
          const world = new World();
          const clock = new ManualClock();
          // Accounts 0 and 1 have two devices, account 2 one; devices alternate instances.
          const deviceAccounts = [0, 0, 1, 1, 2];
          const devices: Device[] = [];
          for (const [d, a] of deviceAccounts.entries()) {
            const tagD = `${tag}-d${d}`;
            const engine = await demoEngine(accounts[a]!, tagD, {
              endpoint: `${proxies[d % 2]!.url}/api/sync`,
              spaces: true,
              account: accounts[a]!,
              pullLimit: sizes[d]![0],
              batchSize: sizes[d]![1],
              // Timers never fire: a device syncs only when a command says so.
              setTimeout: clock.setTimeout,
              clearTimeout: clock.clearTimeout,
            });
            devices.push({ ...engine, tag: tagD, account: a });
          }
          let n = 0;
          const inflight: Promise<unknown>[] = [];
          const token = () => `${tag}-w${n++}`;

          /**
           * The record a device holds at `index` (mod their count), or undefined; with `shared`,
           * one of a shared scope if it holds any (where viewers and removed members write).
           */
          const held = async (
            d: Device,
            model: 'Board' | 'Todo',
            index: number,
            shared: boolean,
          ) => {
            const all = ((await d.engine.list(model)) as { id: string }[]).map((r) => r.id).sort();
            const own = accounts[d.account]!;
            const foreign = all.filter((id) => world.scopeOf(model, id) !== own);
            const list = shared && foreign.length > 0 ? foreign : all;
            return list.length === 0 ? undefined : list[index % list.length];
          };
          /** Notes a write by `d` on `model/key`: forbidden unless its account may write there. */
          const note = (
            d: Device,
            model: 'Board' | 'Todo',
            key: string,
            value: string | null,
            step: number,
          ) => {
            const scope = world.scopeOf(model, key);
            if (scope === undefined) return;
            const acc = accounts[d.account]!;
            if (world.mayWrite(acc, scope)) {
              if (value === null) world.permittedDeletes.add(`${model}/${key}`);
              return;
            }
            world.forbidden.push({
              device: d.tag,
              account: acc,
              scope,
              id: `${model}/${key}`,
              kind: value === null ? 'delete' : 'write',
              token: value,
              step,
              raised: false,
            });
          };
          /** One of `owner`'s boards (only shared ones when `shared`), by index. */
          const ownedBoard = (owner: string, index: number, shared: boolean) => {
            const mine = [...world.boards].filter(
              ([, b]) => b.owner === owner && (!shared || b.scope !== null),
            );
            return mine.length === 0 ? undefined : mine[index % mine.length]!;
          };
          const changeRole = (scope: string, acc: string, next: SpaceRole | null) => {
            const k = `${scope} ${acc}`;
            if (next === null) world.members.delete(k);
            else world.members.set(k, next);
            if (next === 'editor' || next === 'owner') {
              for (const w of world.forbidden) {
                if (w.scope === scope && w.account === acc && w.kind !== 'move') w.raised = true;
              }
            }
          };

          try {
            // Each account starts with a board on the server, so that shares can happen early.
            for (const d of [devices[0]!, devices[2]!, devices[4]!]) {
              const id = `${tag}-b${n}`;
              await d.engine.create('Board', {
                id,
                name: token(),
                userId: accounts[d.account]!,
                createdAt: at,
              });
              world.boards.set(id, { owner: accounts[d.account]!, scope: null });
              await d.engine.sync('manual');
            }
            for (const [step, cmd] of [...OPENING, ...commands].entries()) {
              const d = 'device' in cmd ? devices[cmd.device]! : undefined;
              switch (cmd.op) {
                case 'createBoard': {
                  const id = `${tag}-b${n}`;
                  await d!.engine.create('Board', {
                    id,
                    name: token(),
                    userId: accounts[d!.account]!,
                    createdAt: at,
                  });
                  world.boards.set(id, { owner: accounts[d!.account]!, scope: null });
                  break;
                }
                case 'createTodo': {
                  const boardId = await held(d!, 'Board', cmd.pick, cmd.shared);
                  if (!boardId) break;
                  const id = `${tag}-t${n}`;
                  const title = token();
                  // The todo lives in its board's scope: note it first, then write.
                  world.todos.set(id, boardId);
                  note(d!, 'Todo', id, title, step);
                  await d!.engine.create('Todo', {
                    id,
                    boardId,
                    title,
                    done: false,
                    createdAt: at,
                    updatedAt: at,
                  });
                  break;
                }
                case 'update': {
                  const model = cmd.todo ? 'Todo' : 'Board';
                  const key = await held(d!, model, cmd.pick, cmd.shared);
                  if (!key) break;
                  const value = token();
                  note(d!, model, key, value, step);
                  if (model === 'Todo') await d!.engine.update('Todo', key, { title: value });
                  else await d!.engine.update('Board', key, { name: value });
                  break;
                }
                case 'delete': {
                  const model = cmd.todo ? 'Todo' : 'Board';
                  const key = await held(d!, model, cmd.pick, cmd.shared);
                  if (!key) break;
                  note(d!, model, key, null, step);
                  await d!.engine.delete(model, key);
                  break;
                }
                case 'share': {
                  const owner = accounts[cmd.owner]!;
                  const to = accounts[(cmd.owner + 1 + cmd.to) % 3]!;
                  const board = ownedBoard(owner, cmd.pick, false);
                  if (!board) break;
                  const answer = await members(
                    owner,
                    'members',
                    { model: 'Board', key: board[0], account: to, role: cmd.role },
                    instances[step % 2]!,
                  );
                  // 404: not pushed yet, or deleted. Anything else is a failure.
                  if (answer.status === 404) break;
                  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
                  const scope = answer.body.scope!;
                  board[1].scope = scope;
                  world.members.set(`${scope} ${owner}`, 'owner');
                  changeRole(scope, to, cmd.role);
                  totals.shares++;
                  break;
                }
                case 'role':
                case 'revoke': {
                  const owner = accounts[cmd.owner]!;
                  const to = accounts[(cmd.owner + 1 + cmd.to) % 3]!;
                  const scope = ownedBoard(owner, cmd.pick, true)?.[1].scope;
                  if (!scope) break;
                  const answer =
                    cmd.op === 'role'
                      ? await members(
                          owner,
                          'members',
                          { scope, account: to, role: cmd.role },
                          instances[step % 2]!,
                        )
                      : await members(
                          owner,
                          'members/revoke',
                          { scope, account: to },
                          instances[step % 2]!,
                        );
                  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
                  if (cmd.op === 'role') changeRole(scope, to, cmd.role);
                  else {
                    changeRole(scope, to, null);
                    if (answer.body.membership === 'revoke') totals.revokes++;
                  }
                  break;
                }
                case 'move': {
                  // A todo the server holds (not one whose create is still pending: that would
                  // be created under the target), onto a board of another scope.
                  const key = await held(d!, 'Todo', cmd.pick, false);
                  const from = key === undefined ? undefined : world.scopeOf('Todo', key);
                  if (!key || !from) break;
                  const [live] = await db.store.query<{ n: number }>(
                    `SELECT 1 AS n FROM swsync_records
                   WHERE model = 'Todo' AND key = $1 AND record IS NOT NULL`,
                    [JSON.stringify(key)],
                  );
                  if (!live) break;
                  const boards = ((await d!.engine.list('Board')) as { id: string }[])
                    .map((b) => b.id)
                    .filter((id) => world.scopeOf('Board', id) !== from)
                    .sort();
                  if (boards.length === 0) break;
                  world.forbidden.push({
                    device: d!.tag,
                    account: accounts[d!.account]!,
                    scope: from,
                    id: `Todo/${key}`,
                    kind: 'move',
                    token: null,
                    step,
                    raised: false,
                  });
                  totals.moves++;
                  await d!.engine.update('Todo', key, {
                    boardId: boards[cmd.target % boards.length]!,
                  });
                  break;
                }
                case 'sync':
                  if (cmd.wait) await d!.engine.sync('manual');
                  else inflight.push(d!.engine.sync('manual'));
                  break;
                case 'fault':
                  faults.set(d!.tag, FAULTS[cmd.fault]!);
                  totals.faults++;
                  break;
                case 'heal':
                  faults.delete(d!.tag);
                  break;
              }
              await expectServerInvariants(world, tag, `${tag} step ${step} ${cmd.op}`);
            }

            // Heal, then sync everyone until two rounds in a row are calm (bounded).
            await Promise.all(inflight);
            for (const d of devices) faults.delete(d.tag);
            let calm = 0;
            for (let round = 0; round < 12 && calm < 2; round++) {
              const statuses = [];
              for (const d of devices) statuses.push(await d.engine.sync('manual'));
              calm = statuses.every((s) => s.pending === 0 && s.lastError === null) ? calm + 1 : 0;
            }
            expect(calm, `${tag}: devices did not reach quiescence`).toBe(2);
            await expectServerInvariants(world, tag, `${tag} end`);

            // The model's memberships are the server's.
            const rows = await db.store.query<{ scope: string; account: string; role: SpaceRole }>(
              `SELECT scope, account, role FROM swsync_members
             WHERE account IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
              [JSON.stringify(accounts)],
            );
            expect(
              new Map(rows.map((r) => [`${r.scope} ${r.account}`, r.role])),
              `${tag}: memberships`,
            ).toEqual(world.members);

            for (const d of devices) {
              const acc = accounts[d.account]!;
              const readable = world.readable(acc);
              const expected = await serverRecords(readable);
              const local = await localRecords(d.engine);
              expect(sorted(local), `${d.tag}: holds exactly its readable records`).toEqual(
                sorted(expected),
              );
              // Roles as the device last pulled them: every shared scope it can read.
              const roles = await d.engine.roles();
              const expectedRoles = Object.fromEntries(
                readable.filter((s) => s !== acc).map((s) => [s, world.members.get(`${s} ${acc}`)]),
              );
              expect(roles, `${d.tag}: roles`).toEqual(expectedRoles);
              // Every rejection is one a space or a concurrent delete explains.
              for (const r of d.rejections) {
                expect(
                  SPACE_ERRORS.has(r.error.type) || RACE_ERRORS.has(r.error.type),
                  `${d.tag}: rejection ${JSON.stringify(r)}`,
                ).toBe(true);
              }
              const reported = rejectedIds(d.rejections);
              for (const w of world.forbidden) {
                if (w.device !== d.tag || w.raised) continue;
                totals.forbidden++;
                // Each forbidden write is reported on its device (a write coalesced into an
                // earlier event of the same key shares that event's rejection).
                expect(
                  reported.has(w.id),
                  `${d.tag}: forbidden ${JSON.stringify(w)} reported`,
                ).toBe(true);
              }
              totals.spaceRejections += d.rejections.filter((r) =>
                SPACE_ERRORS.has(r.error.type),
              ).length;
            }
            for (const s of instances) expect(s.errors, 'no 500').toEqual([]);
          } finally {
            for (const d of devices) faults.delete(d.tag);
            await Promise.allSettled(inflight);
            await Promise.all(devices.map((d) => d.engine.close()));
          }
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`[reliability] spaces: ${db.kind}, ${run} runs`, totals);
    // The runs did exercise what they claim to: otherwise this test would pass vacuously.
    expect(totals.shares).toBeGreaterThan(0);
    expect(totals.moves).toBeGreaterThan(0);
    expect(totals.revokes).toBeGreaterThan(0);
    expect(totals.forbidden).toBeGreaterThan(0);
    expect(totals.spaceRejections).toBeGreaterThan(0);
  });
});
