import type { PushResult } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { pullAndMaterializeLogs } from '../pull/index.ts';
import { applyPush, applyServerWrites, type PushEventInput } from '../push/index.ts';
import {
  board,
  createPostgresTestStore,
  describeEachStore,
  ev,
  recordKey,
  testDatabaseUrl,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';
import { grantMembership, listMembers, revokeMembership, shareRecord } from './index.ts';

/**
 * A share racing with pushes into the board (PostgreSQL runs them concurrently): a push that
 * resolved the personal scope before the move finds the record moved after taking its locks,
 * starts over, and lands in the shared scope. Nothing is lost, nothing stays behind.
 */
describe.skipIf(!testDatabaseUrl())('spaces: a share racing with pushes [postgres]', () => {
  it('every todo pushed during the share ends in the shared scope, each applied once', async () => {
    const pg = await createPostgresTestStore(2);
    try {
      const alice = uniqueScope('alice');
      const b = recordKey('board');
      await applyPush({
        store: pg.store,
        schema: testSchema,
        account: alice,
        events: [ev.create('Board', board(b, alice))],
      });
      const writers = await Promise.all([0, 1, 2, 3].map(() => pg.openAnother(1)));
      const pushes = writers.map(async (store, w) => {
        const out: PushResult[] = [];
        for (let n = 0; n < 8; n++) {
          out.push(
            ...(await applyPush({
              store,
              schema: testSchema,
              account: alice,
              events: [ev.create('Todo', todo(`t-${w}-${n}-${b}`, b))],
            })),
          );
        }
        return out;
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { scope } = await shareRecord({
        store: pg.store,
        schema: testSchema,
        model: 'Board',
        key: b,
        by: alice,
      });
      const results = (await Promise.all(pushes)).flat();
      expect(results.map((r) => r.error)).toEqual(results.map(() => null));
      const rows = await pg.store.query<{ scope: string; n: string }>(
        `SELECT scope, count(*) AS n FROM swsync_records WHERE key LIKE $1 OR key = $2 GROUP BY scope`,
        [`"t-%-${b}"`, JSON.stringify(b)],
      );
      expect(rows.map((r) => [r.scope, Number(r.n)])).toEqual([[scope, 33]]);
    } finally {
      await pg.cleanup();
    }
  });
});

describeEachStore('spaces: memberships, shares and pushes', (getStore) => {
  const push = (account: string, events: readonly PushEventInput[]) =>
    applyPush({ store: getStore(), schema: testSchema, account, events });
  const types = (results: PushResult[]) => results.map((r) => r.error?.type ?? null);

  /** alice's board with two todos and a comment, shared with bob as `role`. */
  async function sharedBoard(role: 'editor' | 'viewer' = 'editor') {
    const alice = uniqueScope('alice');
    const bob = uniqueScope('bob');
    const b = recordKey('board');
    const [t1, t2, c1] = [recordKey('t'), recordKey('t'), recordKey('c')];
    const created = await push(alice, [
      ev.create('Board', board(b, alice)),
      ev.create('Todo', todo(t1, b)),
      ev.create('Todo', todo(t2, b)),
      ev.create('Comment', { id: c1, todoId: t1, text: 'hi' }),
    ]);
    expect(types(created)).toEqual([null, null, null, null]);
    const shared = await shareRecord({
      store: getStore(),
      schema: testSchema,
      model: 'Board',
      key: b,
      by: alice,
      account: bob,
      role,
    });
    return { alice, bob, b, t1, t2, c1, shared, created };
  }

  const rows = (where: string, params: unknown[]) =>
    getStore().query<{ model: string; key: string; scope: string; seq: string; version: number }>(
      `SELECT model, key, scope, seq, version FROM swsync_records WHERE ${where} ORDER BY seq`,
      params,
    );

  describe('shareRecord', () => {
    it('moves the board and its descendants into a new scope: no copy, no tombstone, same versions', async () => {
      const { alice, bob, b, shared } = await sharedBoard();
      expect(shared.scope).toMatch(/^s:[0-9a-f-]{36}$/);
      expect(shared).toMatchObject({ moved: 4, membership: 'grant' });
      expect(await rows('scope = $1', [alice])).toEqual([]);
      const moved = await rows('scope = $1', [shared.scope]);
      // Parents first, numbered 1..n in the new scope; versions untouched.
      expect(moved.map((r) => [r.model, Number(r.seq), Number(r.version)])).toEqual([
        ['Board', 1, 1],
        ['Todo', 2, 1],
        ['Todo', 3, 1],
        ['Comment', 4, 1],
      ]);
      expect(moved[0]!.key).toBe(JSON.stringify(b));
      expect(await listMembers({ store: getStore(), scope: shared.scope })).toEqual(
        [
          { account: alice, role: 'owner' },
          { account: bob, role: 'editor' },
        ].sort((x, y) => x.account.localeCompare(y.account)),
      );
      // The owner's v1 pull of its personal scope shows no delete of the moved records.
      const page = await pullAndMaterializeLogs({ store: getStore(), scopeKey: alice });
      expect(page.logsWithRecords.filter((l) => l.operation === 'delete')).toEqual([]);
    });

    it('a second share only adds a member; only an owner may share', async () => {
      const { alice, bob, b, shared } = await sharedBoard();
      const carol = uniqueScope('carol');
      const again = await shareRecord({
        store: getStore(),
        schema: testSchema,
        model: 'Board',
        key: b,
        by: alice,
        account: carol,
        role: 'viewer',
      });
      expect(again).toEqual({ scope: shared.scope, moved: 0, membership: 'grant' });
      await expect(
        shareRecord({
          store: getStore(),
          schema: testSchema,
          model: 'Board',
          key: b,
          by: bob,
          account: carol,
        }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        shareRecord({
          store: getStore(),
          schema: testSchema,
          model: 'Board',
          key: 'nope',
          by: alice,
          account: carol,
        }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        shareRecord({
          store: getStore(),
          schema: testSchema,
          model: 'Todo',
          key: 'x',
          by: alice,
          account: carol,
        }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(
        grantMembership({
          store: getStore(),
          scope: shared.scope,
          account: carol,
          role: 'owner',
          by: bob,
        }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        grantMembership({
          store: getStore(),
          scope: alice,
          account: carol,
          role: 'editor',
          by: alice,
        }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        // @ts-expect-error: a role that does not exist
        grantMembership({ store: getStore(), scope: shared.scope, account: carol, role: 'admin' }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(
        revokeMembership({ store: getStore(), scope: shared.scope, account: alice, by: alice }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('logs grants, role changes and revocations per account, in order', async () => {
      const { bob, shared } = await sharedBoard();
      const store = getStore();
      expect(
        await grantMembership({ store, scope: shared.scope, account: bob, role: 'editor' }),
      ).toBeNull();
      expect(
        await grantMembership({ store, scope: shared.scope, account: bob, role: 'viewer' }),
      ).toBe('role');
      expect(await revokeMembership({ store, scope: shared.scope, account: bob })).toBe('revoke');
      expect(await revokeMembership({ store, scope: shared.scope, account: bob })).toBeNull();
      const log = await store.query<{ seq: string; kind: string; role: string | null }>(
        'SELECT seq, kind, role FROM swsync_account_log WHERE account = $1 ORDER BY seq',
        [bob],
      );
      expect(log.map((r) => [Number(r.seq), r.kind, r.role])).toEqual([
        [1, 'grant', 'editor'],
        [2, 'role', 'viewer'],
        [3, 'revoke', null],
      ]);
    });
  });

  describe('push under memberships', () => {
    it('an editor writes the shared records; the scope follows the record, not the caller', async () => {
      const { alice, bob, b, t1, shared } = await sharedBoard();
      const t3 = recordKey('t');
      const results = await push(bob, [
        ev.update('Todo', t1, { title: 'by bob' }),
        ev.create('Todo', todo(t3, b)),
        ev.update('Board', b, { name: 'renamed', userId: alice }),
      ]);
      expect(types(results)).toEqual([null, null, null]);
      expect((await rows('model = $1 AND key = $2', ['Todo', JSON.stringify(t3)]))[0]!.scope).toBe(
        shared.scope,
      );
      // The owner, too, now writes there.
      expect(types(await push(alice, [ev.update('Todo', t3, { done: true })]))).toEqual([null]);
    });

    it('an editor cannot change the scope field, nor move a record out of the scope', async () => {
      const { bob, b, t1 } = await sharedBoard();
      const mine = recordKey('board');
      const results = await push(bob, [
        ev.update('Board', b, { userId: bob }),
        ev.create('Board', board(mine, bob)),
        ev.update('Todo', t1, { boardId: mine }),
      ]);
      expect(types(results)).toEqual(['SCOPE_VIOLATION', null, 'SCOPE_VIOLATION']);
    });

    it('no move between scopes in any direction, nor a scope field change by the owner', async () => {
      const { alice, bob, b, t1 } = await sharedBoard();
      // bob's own board and todo, and a second board of alice shared with bob: three scopes.
      const mine = recordKey('board');
      const own = recordKey('t');
      const other = recordKey('board');
      expect(
        types(
          await push(bob, [
            ev.create('Board', board(mine, bob)),
            ev.create('Todo', todo(own, mine)),
          ]),
        ),
      ).toEqual([null, null]);
      expect(types(await push(alice, [ev.create('Board', board(other, alice))]))).toEqual([null]);
      await shareRecord({
        store: getStore(),
        schema: testSchema,
        model: 'Board',
        key: other,
        by: alice,
        account: bob,
      });
      const before = await rows('key IN ($1, $2)', [JSON.stringify(t1), JSON.stringify(own)]);
      const results = await push(bob, [
        // personal → shared, shared → another shared scope
        ev.update('Todo', own, { boardId: b }),
        ev.update('Todo', t1, { boardId: other }),
      ]);
      expect(types(results)).toEqual(['SCOPE_VIOLATION', 'SCOPE_VIOLATION']);
      // The owner keeps the scope field too: a shared board names its sharing owner.
      expect(types(await push(alice, [ev.update('Board', b, { userId: bob })]))).toEqual([
        'SCOPE_VIOLATION',
      ]);
      expect(await rows('key IN ($1, $2)', [JSON.stringify(t1), JSON.stringify(own)])).toEqual(
        before,
      );
    });

    it('a removed member can neither update nor create under nor delete the shared records', async () => {
      const { bob, b, t1, shared } = await sharedBoard();
      await revokeMembership({ store: getStore(), scope: shared.scope, account: bob });
      const before = await rows('scope = $1', [shared.scope]);
      const results = await push(bob, [
        ev.update('Board', b, { name: 'x' }),
        ev.create('Todo', todo(recordKey('t'), b)),
        ev.delete('Todo', t1),
        ev.delete('Board', b),
      ]);
      expect(types(results)).toEqual(Array(4).fill('SCOPE_VIOLATION'));
      expect(await rows('scope = $1', [shared.scope])).toEqual(before);
    });

    it('a viewer reads but every write is FORBIDDEN_ROLE, nothing applied', async () => {
      const { bob, b, t1, shared } = await sharedBoard('viewer');
      const before = await rows('scope = $1', [shared.scope]);
      const results = await push(bob, [
        ev.update('Todo', t1, { title: 'nope' }),
        ev.create('Todo', todo(recordKey('t'), b)),
        ev.delete('Board', b),
      ]);
      expect(types(results)).toEqual(['FORBIDDEN_ROLE', 'FORBIDDEN_ROLE', 'FORBIDDEN_ROLE']);
      expect(
        results.every((r) => r.error?.retryable === false && r.appliedChangelogId === null),
      ).toBe(true);
      expect(await rows('scope = $1', [shared.scope])).toEqual(before);
    });

    it('an editor changes the shared board and its todos but cannot delete the board; its owner can', async () => {
      const { alice, bob, b, t1, t2, shared } = await sharedBoard('editor');
      const results = await push(bob, [
        ev.update('Board', b, { name: 'renamed by bob' }),
        ev.delete('Todo', t2),
        ev.delete('Board', b),
      ]);
      expect(types(results)).toEqual([null, null, 'FORBIDDEN_ROLE']);
      expect(results[2]!.error).toMatchObject({ retryable: false });
      const live = await getStore().query<{ key: string }>(
        'SELECT key FROM swsync_records WHERE scope = $1 AND record IS NOT NULL ORDER BY key',
        [shared.scope],
      );
      expect(live.map((r) => JSON.parse(r.key))).toContain(b);
      expect(live.map((r) => JSON.parse(r.key))).toContain(t1);
      expect(types(await push(alice, [ev.delete('Board', b)]))).toEqual([null]);
    });

    it('a non-member, or a member revoked since, gets SCOPE_VIOLATION as in v1', async () => {
      const { bob, b, t1, shared } = await sharedBoard();
      const eve = uniqueScope('eve');
      expect(types(await push(eve, [ev.update('Todo', t1, { title: 'x' })]))).toEqual([
        'SCOPE_VIOLATION',
      ]);
      expect(types(await push(eve, [ev.create('Todo', todo(recordKey('t'), b))]))).toEqual([
        'SCOPE_VIOLATION',
      ]);
      await revokeMembership({ store: getStore(), scope: shared.scope, account: bob });
      expect(types(await push(bob, [ev.update('Todo', t1, { title: 'x' })]))).toEqual([
        'SCOPE_VIOLATION',
      ]);
    });

    it('a new board is the caller’s own: userId must be the caller (v1 rule)', async () => {
      const bob = uniqueScope('bob');
      const results = await push(bob, [
        ev.create('Board', board(recordKey('board'), bob)),
        ev.create('Board', board(recordKey('board'), 'someone-else')),
      ]);
      expect(types(results)).toEqual([null, 'SCOPE_VIOLATION']);
    });

    it('an event applied, its record moved by a share, the same event again: same result, applied once', async () => {
      const alice = uniqueScope('alice');
      const b = recordKey('board');
      const create = ev.create('Board', board(b, alice));
      const rename = ev.update('Board', b, { name: 'first' });
      const first = await push(alice, [create, rename]);
      expect(types(first)).toEqual([null, null]);
      await shareRecord({
        store: getStore(),
        schema: testSchema,
        model: 'Board',
        key: b,
        by: alice,
      });
      const again = await push(alice, [create, rename]);
      expect(again).toEqual(first);
      const [row] = await rows('model = $1 AND key = $2', ['Board', JSON.stringify(b)]);
      expect(Number(row!.version)).toBe(2);
    });

    it('server writes act as an account under the same rules', async () => {
      const { bob, t1 } = await sharedBoard('viewer');
      const results = await applyServerWrites({
        store: getStore(),
        schema: testSchema,
        account: bob,
        events: [
          { entityType: 'Todo', operation: 'update', entityKeyPath: [t1], payload: { done: true } },
        ],
      });
      expect(types(results)).toEqual(['FORBIDDEN_ROLE']);
    });
  });
});
