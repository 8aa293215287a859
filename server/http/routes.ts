import { type Context, Hono } from 'hono';
import { type Models, PULL_LIMIT_DEFAULT, type Schema, SPACES_HEADER } from 'swsync/schema';
import { pullPageBody, pullPageText, pullSpaces } from '../pull/index.ts';
import { applyPush } from '../push/index.ts';
import { isStorableString } from '../push/storable.ts';
import { scopesOf } from '../spaces/roles.ts';
import type { SyncStore } from '../store/types.ts';
import { accountMismatch, readAccountHeader } from './account.ts';
import { DEFAULT_BODY_LIMIT, readJsonBody } from './body.ts';
import { keepOpenOnBun } from './bun.ts';
import { badRequest, createErrorHandler, notFoundHandler, unauthorized } from './errors.ts';
import { DEFAULT_HEARTBEAT_MS, openPokeStream } from './events.ts';
import { addMembersRoutes } from './members-routes.ts';
import { DEFAULT_MAX_BATCH_SIZE, type SyncRoutesOptions } from './options.ts';
import { pokeHubFor } from './poke-hub.ts';
import { checkPullBody, checkPushBody } from './validate.ts';

/**
 * The sync API as a Hono app: `POST /push`, `POST /pull`, `GET /events` (PROTOCOL.md). Web APIs
 * only, so it mounts on Node, Bun, Deno or Workers. Every error, thrown anywhere below, is
 * answered by one handler as `{ error, details? }` with the protocol's status.
 *
 * @example
 * const app = new Hono();
 * app.route('/api/sync', syncRoutes({
 *   store: await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: '.data' }),
 *   schema,
 *   auth: (c) => verifySession(c.req.header('authorization')), // user id or null
 * }));
 * // workerd: one store per request (connections cannot outlive their request there)
 * syncRoutes({ store: (c) => openPostgresStore({ url: c.env.DATABASE_URL }), schema, auth });
 */
export function syncRoutes<M extends Models>(options: SyncRoutesOptions<M>): Hono {
  const { customValidation, scopeKey } = options;
  const outboxCounters = options.outboxCounters ?? true;
  const schema: Schema = options.schema;
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;

  // The account header is read before `auth`, so a malformed one is a 400 whoever calls; a
  // caller signed in as another account gets a 403 the engine reads as "not signed in here".
  const identify = async (c: Context, accountInQuery = false): Promise<string> => {
    const account = readAccountHeader(c, accountInQuery);
    const identity = await options.auth(c);
    if (typeof identity !== 'string' || identity === '') throw unauthorized();
    // A credential decoded into NUL or a lone surrogate (a `%00` cookie) names no account the
    // database can hold: a client error, not an outage to retry forever.
    if (!isStorableString(identity)) throw badRequest('the credentials name an invalid account');
    if (account !== undefined && account !== identity) throw accountMismatch();
    return identity;
  };
  const scopeOf = (identity: string) => (scopeKey ? scopeKey(identity) : identity);

  // A shared store, or one opened for this request and closed once it is answered.
  const storeOption = options.store;
  const withStore = async <T>(c: Context, fn: (store: SyncStore) => Promise<T>): Promise<T> => {
    if (typeof storeOption !== 'function') return fn(storeOption);
    const store = await storeOption(c);
    try {
      return await fn(store);
    } finally {
      // The answer is decided by now (a push committed or not): a failed close must not turn
      // it into an error, and it leaks nothing the runtime does not reclaim with the request.
      await store.close().catch(() => {});
    }
  };

  const app = new Hono();
  app.onError(createErrorHandler(options.logger));

  // Authentication comes first: an anonymous caller's body is never read.
  app.post('/push', async (c) => {
    const identity = await identify(c);
    const { events, clientId, outbox } = checkPushBody(
      await readJsonBody(c, bodyLimit),
      maxBatchSize,
    );
    const results = await withStore(c, (store) =>
      applyPush({
        events,
        // Without a custom scopeKey, shared spaces: the caller's memberships decide.
        ...(scopeKey ? { scopeKey: (event) => scopeKey(identity, event) } : { account: identity }),
        store,
        schema,
        clientId: clientId ?? null,
        // The counter belongs to the signed-in identity (under spaces, the account).
        ...(outbox && outboxCounters ? { outbox: { ...outbox, owner: identity } } : {}),
        ...(customValidation ? { customValidation } : {}),
      }),
    );
    return c.json(results);
  });

  app.post('/pull', async (c) => {
    const identity = await identify(c);
    const { lastChangelogId, limit, spaces } = checkPullBody(await readJsonBody(c, bodyLimit));
    // Advertised on every pull, so a client may switch to spaces pulls when it sees it.
    if (!scopeKey) c.header(SPACES_HEADER, '1');
    if (spaces === true && scopeKey) {
      throw badRequest('spaces need the default scope rule (no scopeKey option)');
    }
    const request = {
      lastChangelogId: lastChangelogId ?? null,
      limit: limit ?? PULL_LIMIT_DEFAULT,
    };
    if (spaces === true) {
      return c.json(
        await withStore(c, (store) => pullSpaces({ store, account: identity, ...request })),
      );
    }
    const scope = scopeOf(identity);
    const page = await withStore(c, (store) =>
      pullPageText({ store, scopeKey: scope, account: identity, ...request }),
    );
    // The entries as the database wrote them: no decoding and encoding of every record here.
    return c.body(pullPageBody(page), 200, { 'content-type': 'application/json' });
  });

  app.get('/events', async (c) => {
    const identity = await identify(c, true);
    keepOpenOnBun(c);
    const perRequest = typeof storeOption === 'function';
    const store = perRequest ? await storeOption(c) : storeOption;
    return openPokeStream({
      hub: pokeHubFor(store),
      ...(scopeKey
        ? { scope: scopeOf(identity) }
        : { spaces: { account: identity, scopes: () => scopesOf(store, identity) } }),
      heartbeatMs,
      signal: c.req.raw.signal,
      // The same credentials, asked again: a signed-out session's stream ends.
      stillAuthorized: async () => (await identify(c, true)) === identity,
      // A per-request store lives as long as the stream (closed also when opening it fails).
      ...(perRequest ? { onClose: () => void store.close().catch(() => {}) } : {}),
    });
  });

  if (!scopeKey) {
    addMembersRoutes(app, {
      withStore,
      schema,
      bodyLimit,
      identify: (c) => identify(c),
      ...(options.accountExists ? { accountExists: options.accountExists } : {}),
    });
  }

  // A route, not `app.notFound`: Hono drops a sub-app's notFound handler when it is mounted with
  // `app.route(prefix, ...)`, and an unknown path or method below the prefix would get a text 404.
  // (So mount it under a prefix: at '/', this would also answer routes registered after it.)
  app.all('*', notFoundHandler);
  return app;
}
