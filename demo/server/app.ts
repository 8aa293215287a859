import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import {
  createErrorHandler,
  notFoundHandler,
  readJsonBody,
  type SyncStore,
  syncRoutes,
} from 'swsync/server';
import { demoSchema } from '../schema.ts';
import { openAccounts } from './accounts.ts';
import { openRevocations } from './revocations.ts';
import {
  createSessionSigner,
  SESSION_TTL_SECONDS,
  type SessionClaims,
  signOutAccount,
  userIdFor,
  userName,
} from './session.ts';
import { sharingRoutes } from './sharing.ts';
import { staticSite } from './static.ts';

/** Name of the HttpOnly session cookie. */
export const SESSION_COOKIE = 'swsync_session';

const LOGIN_BODY_LIMIT = 4 * 1024;

export interface DemoAppOptions {
  store: SyncStore;
  /** HMAC key of session tokens (`SESSION_SECRET`, or the one kept in DATA_DIR). */
  sessionSecret: string;
  /** Directory of the built demo app; a placeholder page is served while it has no index.html. */
  staticRoot: string;
  /** SSE heartbeat interval (ms); default 25 000. */
  heartbeatMs?: number;
  /** Set the cookie's `Secure` flag (behind HTTPS). Default false. */
  secureCookie?: boolean;
}

/**
 * The demo server as a Hono app: health, login, the sync routes at `/api/sync` (personal scope =
 * user id, shared boards as spaces; see sharing.ts for the demo's own sharing routes), then the
 * static app. Runtime-free apart from static files, so tests mount it on a port.
 *
 * @example
 * const app = await createDemoApp({ store, sessionSecret, staticRoot: 'demo/dist' });
 * serve({ fetch: app.fetch, port: 8787 });
 */
export async function createDemoApp(options: DemoAppOptions): Promise<Hono> {
  const sessions = await createSessionSigner(options.sessionSecret);
  const revocations = await openRevocations(options.store);
  const accounts = await openAccounts(options.store);
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: options.secureCookie ?? false,
  } as const;

  // A present Authorization header wins: a bad bearer token is not rescued by a cookie.
  const session = async (c: Context): Promise<SessionClaims | null> => {
    const header = c.req.header('authorization');
    let token: string | undefined;
    if (header !== undefined) token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    else token = getCookie(c, SESSION_COOKIE);
    const claims = token ? await sessions.verify(token) : null;
    if (!claims || (await revocations.isRevoked(claims.tokenId))) return null;
    return claims;
  };
  const authenticate = async (c: Context) => (await session(c))?.userId ?? null;

  const app = new Hono();
  app.onError(createErrorHandler());
  app.notFound(notFoundHandler);

  app.get('/api/health', (c) => c.json({ ok: true }));

  app.post('/api/login', async (c) => {
    const name = userName(await readJsonBody(c, LOGIN_BODY_LIMIT));
    const userId = await userIdFor(name);
    await accounts.remember(userId, name);
    const token = await sessions.sign(userId);
    setCookie(c, SESSION_COOKIE, token, { ...cookieOptions, maxAge: SESSION_TTL_SECONDS });
    return c.json({ userId, token });
  });

  // Ends the session everywhere: the token is refused from now on by every instance sharing
  // the database, whether it travels as the cookie or as a bearer token.
  // A body `{ account }` names the account signing out: a browser whose cookie now belongs to
  // another account (it signed in since, in another tab) keeps that account's session.
  app.post('/api/logout', async (c) => {
    // Without a body (older pages), the sign-out ends whatever session the request carries.
    const account =
      c.req.header('content-type') === undefined
        ? undefined
        : signOutAccount(await readJsonBody(c, LOGIN_BODY_LIMIT));
    const claims = await session(c);
    if (claims && account !== undefined && claims.userId !== account) {
      return c.json({ ok: true, ended: false });
    }
    if (claims) await revocations.revoke(claims.tokenId, claims.expiresAt);
    setCookie(c, SESSION_COOKIE, '', { ...cookieOptions, maxAge: 0 });
    return c.json({ ok: true, ended: claims !== null });
  });

  app.route(
    '/api/sync',
    syncRoutes({
      store: options.store,
      schema: demoSchema,
      auth: authenticate,
      // Shared boards: a name that never signed in cannot be shared with (404).
      accountExists: (account) => accounts.exists(account),
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    }),
  );
  app.route('/api', sharingRoutes({ store: options.store, accounts, authenticate }));
  // Unknown API paths answer JSON 404, never the app's HTML.
  app.all('/api/*', notFoundHandler);
  app.route('/', staticSite(options.staticRoot));
  return app;
}
