import type { Context, Hono } from 'hono';
import type { Schema } from 'swsync/schema';
import * as z from 'zod';
import { ServerError } from '../errors.ts';
import { isStorableString } from '../push/storable.ts';
import { grantMembership, listMembers, revokeMembership } from '../spaces/members.ts';
import { ROLES } from '../spaces/roles.ts';
import { shareRecord } from '../spaces/share.ts';
import type { SyncStore } from '../store/types.ts';
import { readJsonBody } from './body.ts';

// Like every id the store keeps: no NUL, no lone surrogate (PostgreSQL refuses them: a 500).
const id = z.string().min(1).max(256).refine(isStorableString, 'holds NUL or a lone surrogate');
const shareBody = z.union([
  z.strictObject({
    model: id,
    key: z.union([id, z.number()]),
    account: id,
    role: z.enum(ROLES).optional(),
  }),
  z.strictObject({ scope: id, account: id, role: z.enum(ROLES) }),
]);
const revokeBody = z.strictObject({ scope: id, account: id });

export interface MembersRoutesOptions {
  /** Runs `fn` with the store (shared, or opened for this request and closed after). */
  withStore: <T>(c: Context, fn: (store: SyncStore) => Promise<T>) => Promise<T>;
  schema: Schema;
  bodyLimit: number;
  /** The caller's identity (throws 401/403 itself). */
  identify: (c: Context) => Promise<string>;
  /** Whether an account may be shared with (e.g. it has signed in once). Default: any. */
  accountExists?: (account: string) => boolean | Promise<boolean>;
}

/**
 * The membership routes of shared spaces (docs/protocol.md, "Spaces"):
 * - `POST {base}/members` `{ model, key, account, role? }`: share a record (the first share
 *   moves it into a new shared scope), or `{ scope, account, role }`: grant or change a role;
 *   answers `{ scope, membership }`.
 * - `POST {base}/members/revoke` `{ scope, account }`: remove a member; `{ scope, membership }`.
 * - `GET {base}/members?scope=...`: `{ scope, members: [{ account, role }] }`, members only.
 * Owners only change members (403 otherwise); an unknown record, scope or account is a 404, a
 * malformed body a 400, all as `{ error, details? }`.
 */
export function addMembersRoutes(app: Hono, options: MembersRoutesOptions): void {
  const { withStore, schema, bodyLimit, identify } = options;

  app.post('/members', async (c) => {
    const by = await identify(c);
    const body = parse(shareBody, await readJsonBody(c, bodyLimit));
    if (options.accountExists && !(await options.accountExists(body.account))) {
      throw new ServerError('NOT_FOUND', 'no such account', { account: body.account });
    }
    if ('model' in body) {
      const shared = await withStore(c, (store) =>
        shareRecord({
          store,
          schema,
          model: body.model,
          key: body.key,
          by,
          account: body.account,
          ...(body.role ? { role: body.role } : {}),
        }),
      );
      return c.json({ scope: shared.scope, membership: shared.membership });
    }
    const membership = await withStore(c, (store) => grantMembership({ store, ...body, by }));
    return c.json({ scope: body.scope, membership });
  });

  app.post('/members/revoke', async (c) => {
    const by = await identify(c);
    const body = parse(revokeBody, await readJsonBody(c, bodyLimit));
    const membership = await withStore(c, (store) => revokeMembership({ store, ...body, by }));
    return c.json({ scope: body.scope, membership });
  });

  app.get('/members', async (c) => {
    const by = await identify(c);
    const scope = c.req.query('scope');
    if (scope === undefined || !id.safeParse(scope).success) {
      throw new ServerError('BAD_REQUEST', 'scope must be a string of 1 to 256 characters');
    }
    const members = await withStore(c, (store) => listMembers({ store, scope, by }));
    return c.json({ scope, members });
  });
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ServerError('BAD_REQUEST', 'invalid members body', {
      issues: parsed.error.issues.slice(0, 10).map((issue) => ({
        path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
        message: issue.message,
      })),
    });
  }
  return parsed.data;
}
