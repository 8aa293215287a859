import type { SpacesPullResponse } from 'swsync/schema';
import { SPACES_HEADER } from 'swsync/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearerAuth,
  type ServedApp,
  SseReader,
  serveSyncRoutes,
  TestSyncClient,
} from '../http/testing/index.ts';
import type { SyncStore } from '../store/types.ts';
import {
  board,
  createPostgresTestStore,
  describeEachStore,
  ev,
  type PostgresTestStore,
  recordKey,
  testDatabaseUrl,
  testSchema,
  todo,
  uniqueScope,
} from '../testing/index.ts';

const known = new Set<string>();
const serve = (store: SyncStore) =>
  serveSyncRoutes({
    store,
    schema: testSchema,
    auth: bearerAuth,
    heartbeatMs: 60_000,
    accountExists: (account) => known.has(account),
  });

class SpacesClient extends TestSyncClient {
  async pullSpaces(lastChangelogId: string | null = null): Promise<SpacesPullResponse> {
    const answer = await this.raw('pull', { lastChangelogId, spaces: true });
    if (answer.status !== 200)
      throw new Error(`pull: ${answer.status} ${JSON.stringify(answer.body)}`);
    expect(answer.headers.get(SPACES_HEADER)).toBe('1');
    return answer.body as SpacesPullResponse;
  }
  async get(path: string) {
    const response = await fetch(`${this.base}/${path}`, { headers: this.headers() });
    return { status: response.status, body: (await response.json()) as unknown };
  }
}

/** alice (owner of a board with a todo) and bob, both known accounts. */
async function aliceAndBob(base: string) {
  const alice = new SpacesClient(base, uniqueScope('alice'));
  const bob = new SpacesClient(base, uniqueScope('bob'));
  known.add(alice.user!);
  known.add(bob.user!);
  const b = recordKey('board');
  const t = recordKey('t');
  const created = await alice.push([
    ev.create('Board', board(b, alice.user!)),
    ev.create('Todo', todo(t, b)),
  ]);
  expect(created.map((r) => r.error)).toEqual([null, null]);
  return { alice, bob, b, t };
}

describeEachStore('spaces over HTTP', (getStore) => {
  let served: ServedApp;
  let base: string;
  beforeAll(async () => {
    served = await serve(getStore());
    base = `${served.url}/api/sync`;
  });
  afterAll(() => served.close());

  it('an owner shares over HTTP; the member pulls, a viewer’s write is refused, a revocation is pulled', async () => {
    const { alice, bob, b, t } = await aliceAndBob(base);
    const share = await alice.raw('members', {
      model: 'Board',
      key: b,
      account: bob.user,
      role: 'viewer',
    });
    expect(share.status).toBe(200);
    const { scope } = share.body as { scope: string };
    expect(share.body).toEqual({ scope, membership: 'grant' });
    const page = await bob.pullSpaces();
    expect(page.logsWithRecords.map((e) => [e.model, e.scope])).toEqual([
      ['Board', scope],
      ['Todo', scope],
    ]);
    expect(page.roles).toEqual({ [scope]: 'viewer' });
    const [write] = await bob.push([ev.update('Todo', t, { title: 'bob' })]);
    expect(write!.error?.type).toBe('FORBIDDEN_ROLE');
    expect(await bob.get(`members?scope=${encodeURIComponent(scope)}`)).toMatchObject({
      status: 200,
      body: { scope, members: expect.arrayContaining([{ account: bob.user, role: 'viewer' }]) },
    });
    // Role change, then revocation.
    expect((await alice.raw('members', { scope, account: bob.user, role: 'editor' })).body).toEqual(
      {
        scope,
        membership: 'role',
      },
    );
    const [allowed] = await bob.push([ev.update('Todo', t, { title: 'bob' })]);
    expect(allowed!.error).toBeNull();
    expect((await alice.raw('members/revoke', { scope, account: bob.user })).body).toEqual({
      scope,
      membership: 'revoke',
    });
    const after = await bob.pullSpaces(page.cursor);
    expect(after.revokedScopes).toEqual([scope]);
    // A v1 pull of the same account is the v1 answer: its personal scope only.
    const v1 = await bob.raw('pull', {});
    expect(v1.body).toEqual({ cursor: null, hasMore: false, logsWithRecords: [], total: 0 });
  });

  it('403 for a non-owner, 404 for an unknown record, scope or account, 400 for a bad body; never 500', async () => {
    const { alice, bob, b } = await aliceAndBob(base);
    const share = await alice.raw('members', { model: 'Board', key: b, account: bob.user });
    const { scope } = share.body as { scope: string };
    const carol = uniqueScope('carol');
    known.add(carol);
    const cases: [SpacesClient, string, unknown, number][] = [
      [bob, 'members', { model: 'Board', key: b, account: carol }, 403],
      [bob, 'members', { scope, account: carol, role: 'editor' }, 403],
      [bob, 'members/revoke', { scope, account: alice.user }, 403],
      [alice, 'members', { model: 'Board', key: 'no-such-board', account: carol }, 404],
      [alice, 'members', { scope: 's:nope', account: carol, role: 'editor' }, 404],
      [alice, 'members', { scope, account: 'never-signed-in', role: 'editor' }, 404],
      [alice, 'members', { model: 'Todo', key: 'x', account: carol }, 400],
      [alice, 'members', { scope, account: carol, role: 'admin' }, 400],
      [alice, 'members', { scope, account: '', role: 'editor' }, 400],
      [alice, 'members', { scope, account: 'a\u0000b', role: 'editor' }, 400],
      [alice, 'members', { model: 'Board', key: 'b\ud800', account: carol }, 400],
      [alice, 'members', { scope, account: carol, role: 'editor', extra: 1 }, 400],
      [alice, 'members', [], 400],
      [alice, 'members', 'not json', 400],
      [alice, 'members', { model: 'Board', key: b, account: alice.user }, 400],
      [alice, 'members/revoke', { scope }, 400],
      [alice, 'members/revoke', { scope, account: alice.user }, 400],
    ];
    for (const [client, path, body, status] of cases) {
      const answer = await client.raw(path, body);
      expect([path, body, answer.status]).toEqual([path, body, status]);
      expect(answer.body).toMatchObject({ error: expect.any(String) });
    }
    const stranger = new SpacesClient(base, carol);
    expect((await stranger.get(`members?scope=${encodeURIComponent(scope)}`)).status).toBe(403);
    expect((await stranger.get('members')).status).toBe(400);
    expect(
      (await new SpacesClient(base, null).raw('members', { scope, account: carol, role: 'editor' }))
        .status,
    ).toBe(401);
  });

  it('pokes a member for commits of the shared scope and for its membership changes', async () => {
    const { alice, bob, b, t } = await aliceAndBob(base);
    const stream = new SseReader(await bob.events());
    try {
      await alice.raw('members', { model: 'Board', key: b, account: bob.user });
      await stream.next((m) => m.event === 'poke');
      const from = stream.events.length;
      await alice.push([ev.update('Todo', t, { title: 'poke bob' })]);
      await stream.next((m) => m.event === 'poke', 5000, from);
    } finally {
      stream.close();
    }
  });
});

describe.skipIf(!testDatabaseUrl())('spaces: pokes across two instances [postgres]', () => {
  let pg: PostgresTestStore;
  let a: ServedApp;
  let b: ServedApp;
  beforeAll(async () => {
    pg = await createPostgresTestStore(3);
    a = await serve(pg.store);
    b = await serve(await pg.openAnother(3));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await pg?.cleanup();
  });

  it('a share and a commit through instance A poke the member connected to instance B', async () => {
    const { alice, bob, b: boardKey, t } = await aliceAndBob(`${a.url}/api/sync`);
    const bobOnB = new SpacesClient(`${b.url}/api/sync`, bob.user);
    const stream = new SseReader(await bobOnB.events());
    try {
      await alice.raw('members', { model: 'Board', key: boardKey, account: bob.user });
      await stream.next((m) => m.event === 'poke');
      const from = stream.events.length;
      await alice.push([ev.update('Todo', t, { title: 'across' })]);
      await stream.next((m) => m.event === 'poke', 5000, from);
      const page = await bobOnB.pullSpaces();
      expect(page.logsWithRecords.find((e) => e.model === 'Todo')?.record?.title).toBe('across');
    } finally {
      stream.close();
    }
  });
});
