import { type Context, Hono } from 'hono';
import { listMembers, type Role, readJsonBody, ServerError, type SyncStore } from 'swsync/server';
import type { Accounts } from './accounts.ts';
import { userIdFor, userName } from './session.ts';

const BODY_LIMIT = 4 * 1024;

/** Who may see a board, as `GET /api/boards/:id/access` answers it. */
export interface BoardAccess {
  /** The shared scope the board lives in; null while it is the owner's private board. */
  scope: string | null;
  /** The caller's role on the board. */
  role: Role;
  /** Every member with the name it signed in with (sorted by account id); empty when private. */
  members: { account: string; name: string; role: Role }[];
}

/**
 * The demo's routes around sharing (the sharing itself goes through `/api/sync/members`):
 * - `POST /api/users/lookup` `{ user }` → `{ userId }`: the account id of a user name, as
 *   `/api/login` derives it (whether that user ever signed in is the members route's answer).
 * - `GET /api/boards/:id/access` → {@link BoardAccess}: the caller's role on a board it can
 *   read and the board's members by name, so a page knows the scope to list and remove members
 *   in; 404 for a board the caller cannot read.
 * Both need a session (401 otherwise).
 *
 * @example
 * app.route('/api', sharingRoutes({ store, accounts, authenticate }));
 */
export function sharingRoutes(options: {
  store: SyncStore;
  accounts: Accounts;
  authenticate(c: Context): Promise<string | null>;
}): Hono {
  const { store, accounts } = options;
  const caller = async (c: Context) => {
    const id = await options.authenticate(c);
    if (!id) throw new ServerError('UNAUTHORIZED', 'unauthorized');
    return id;
  };
  const app = new Hono();

  app.post('/users/lookup', async (c) => {
    await caller(c);
    const name = userName(await readJsonBody(c, BODY_LIMIT));
    return c.json({ userId: await userIdFor(name) });
  });

  app.get('/boards/:id/access', async (c) => {
    const by = await caller(c);
    const id = c.req.param('id');
    if (id.length > 64) throw new ServerError('NOT_FOUND', 'no such board');
    // The library's record table is the one place that knows which scope a board is in now.
    const rows = await store.query<{ scope: string }>(
      `SELECT scope FROM swsync_records
        WHERE model = 'Board' AND key = $1 AND record IS NOT NULL`,
      [JSON.stringify(id)],
    );
    const scope = rows[0]?.scope;
    if (scope === by) return c.json({ scope: null, role: 'owner', members: [] } as BoardAccess);
    if (scope === undefined || !scope.startsWith('s:')) {
      throw new ServerError('NOT_FOUND', 'no such board');
    }
    const members = await listMembers({ store, scope });
    const own = members.find((m) => m.account === by);
    if (!own) throw new ServerError('NOT_FOUND', 'no such board');
    const names = await accounts.namesOf(members.map((m) => m.account));
    const access: BoardAccess = {
      scope,
      role: own.role,
      members: members.map((m) => ({ ...m, name: names.get(m.account) ?? m.account })),
    };
    return c.json(access);
  });

  return app;
}
