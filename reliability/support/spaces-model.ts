import fc from 'fast-check';
import type { Rejection, SpaceRole } from 'swsync/schema';
import type { ProxyFault } from '../proxy.ts';

/*
 * The model of the shared-spaces property test (../spaces-properties.test.ts): its commands,
 * the faults a device may meet, and what the model knows of memberships and forbidden writes.
 */
export const FAULTS: Record<string, ProxyFault> = {
  offline: { kind: 'status', status: 503 },
  resetBefore: { kind: 'reset', when: 'before' },
  // The server applies the request; the device never learns the answer.
  resetAfter: { kind: 'reset', when: 'after' },
  drop: { kind: 'drop', holdMs: 100 },
  truncate: { kind: 'truncate' },
};
export type FaultName = keyof typeof FAULTS;

export type Role = 'editor' | 'viewer';
export type Command =
  | { op: 'createBoard'; device: number }
  | { op: 'createTodo'; device: number; pick: number; shared: boolean }
  | { op: 'update'; device: number; pick: number; todo: boolean; shared: boolean }
  | { op: 'delete'; device: number; pick: number; todo: boolean; shared: boolean }
  | { op: 'share'; owner: number; pick: number; to: number; role: Role }
  | { op: 'role'; owner: number; pick: number; to: number; role: Role }
  | { op: 'revoke'; owner: number; pick: number; to: number }
  | { op: 'move'; device: number; pick: number; target: number }
  | { op: 'sync'; device: number; wait: boolean }
  | { op: 'fault'; device: number; fault: FaultName }
  | { op: 'heal'; device: number };

const device = fc.nat(4);
const account = fc.nat(2);
/** The other account: `(owner + 1 + other) % 3`, never the owner itself. */
const other = fc.nat(1);
const pick = fc.nat(20);
/** Writes aim at a record of a shared scope (when the device holds one) 3 times in 4. */
const shared = fc.constantFrom(true, true, true, false);
const role = fc.constantFrom<Role>('editor', 'viewer', 'viewer');
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ op: fc.constant('createBoard' as const), device }) },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('createTodo' as const), device, pick, shared }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('update' as const),
      device,
      pick,
      todo: fc.boolean(),
      shared,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('delete' as const),
      device,
      pick,
      todo: fc.boolean(),
      shared,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('share' as const),
      owner: account,
      pick,
      to: other,
      role,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('role' as const),
      owner: account,
      pick,
      to: other,
      role,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('revoke' as const), owner: account, pick, to: other }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('move' as const), device, pick, target: pick }),
  },
  // A sync not waited for runs under the next commands: writes and membership changes race it.
  {
    weight: 8,
    arbitrary: fc.record({ op: fc.constant('sync' as const), device, wait: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('fault' as const),
      device,
      fault: fc.constantFrom(...(Object.keys(FAULTS) as FaultName[])),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('heal' as const), device }) },
);

/** A write that the server must never apply: made by a viewer or a non-member of its scope. */
export interface ForbiddenWrite {
  device: string;
  account: string;
  scope: string;
  /** `Model/key` */
  id: string;
  kind: 'write' | 'delete' | 'move';
  /** The unique title or name it wrote; null for a delete or a move. */
  token: string | null;
  step: number;
  /**
   * The account's role in `scope` was raised (editor again) after the write: now ambiguous.
   * Never for a move: records never change scope by a push, whatever the role.
   */
  raised: boolean;
}

/** The model's view of one run. */
export class World {
  /** Board id → owner account and the shared scope it was moved into (null: still personal). */
  readonly boards = new Map<string, { owner: string; scope: string | null }>();
  /** Todo id → board id. */
  readonly todos = new Map<string, string>();
  /** `${scope} ${account}` → role, as the server answered the membership calls. */
  readonly members = new Map<string, SpaceRole>();
  readonly forbidden: ForbiddenWrite[] = [];
  /** `Model/key` of records some permitted device deleted (a board's delete cascades). */
  readonly permittedDeletes = new Set<string>();

  /** The scope a record is in now: its board's shared scope, else the board owner's own. */
  scopeOf(model: 'Board' | 'Todo', key: string): string | undefined {
    const boardId = model === 'Board' ? key : this.todos.get(key);
    const board = boardId === undefined ? undefined : this.boards.get(boardId);
    return board ? (board.scope ?? board.owner) : undefined;
  }

  /** May `account` write into `scope` now? Its personal scope, or owner/editor of a shared one. */
  mayWrite(account: string, scope: string): boolean {
    if (scope === account) return true;
    const r = this.members.get(`${scope} ${account}`);
    return r === 'owner' || r === 'editor';
  }

  /** Scopes `account` reads: its own and those it is a member of. */
  readable(account: string): string[] {
    const scopes = [account];
    for (const [k] of this.members) {
      const [scope, member] = k.split(' ') as [string, string];
      if (member === account) scopes.push(scope);
    }
    return scopes;
  }
}

export const SPACE_ERRORS = new Set(['FORBIDDEN_ROLE', 'SCOPE_REVOKED', 'SCOPE_VIOLATION']);
// Rejections a permitted write may also meet: a concurrent delete of its record or parent.
export const RACE_ERRORS = new Set(['CONFLICT', 'MISSING_PARENT']);

/** `Model/key` of every rejected event (a create names its key in the payload). */
export function rejectedIds(rejections: Rejection[]): Set<string> {
  const ids = new Set<string>();
  for (const r of rejections) {
    const key = r.event.entityKeyPath?.[0] ?? (r.event.payload as { id?: unknown } | null)?.id;
    ids.add(`${r.event.entityType}/${String(key)}`);
  }
  return ids;
}
