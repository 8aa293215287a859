import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPGliteStore, type SyncStore } from 'swsync/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedApp, serveOnFreePort } from '../../server/http/testing/index.ts';
import { createDemoApp, SESSION_COOKIE } from './app.ts';
import { createSessionSigner, userIdFor } from './session.ts';

const SECRET = 'test-secret-0123456789abcdef';
const now = '2026-01-01T00:00:00.000Z';

let store: SyncStore;
let emptyDir: string;
let served: ServedApp;
beforeAll(async () => {
  store = await openPGliteStore();
  emptyDir = await mkdtemp(join(tmpdir(), 'swsync-demo-empty-'));
  served = await serveOnFreePort(
    await createDemoApp({ store, sessionSecret: SECRET, staticRoot: emptyDir }),
  );
});
afterAll(async () => {
  await served?.close();
  await store?.close();
  await rm(emptyDir, { recursive: true, force: true });
});

async function login(user: unknown, url = served.url) {
  const response = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

function pull(headers: Record<string, string>, url = served.url) {
  return fetch(`${url}/api/sync/pull`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{}',
  });
}

describe('demo server', () => {
  it('answers health with {"ok":true}', async () => {
    const response = await fetch(`${served.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('logs in: a user id derived from the name alone, a token and an HttpOnly Lax cookie', async () => {
    const { response, body } = await login('Alice');
    expect(response.status).toBe(200);
    expect(body).toEqual({ userId: await userIdFor('Alice'), token: expect.any(String) });
    expect(body.userId).toMatch(/^u_[0-9a-f]{32}$/);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`${SESSION_COOKIE}=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await login('  alice ')).body.userId).toBe(body.userId);
    expect((await login('Bob')).body.userId).not.toBe(body.userId);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(65)],
    ['not a string', 42],
  ])('rejects a login whose user is %s with 400', async (_name, user) => {
    const { response, body } = await login(user);
    expect(response.status).toBe(400);
    expect(body).toEqual({ error: expect.any(String) });
  });

  it('accepts 64 characters', async () => {
    expect((await login('y'.repeat(64))).response.status).toBe(200);
  });

  it('counts a name in characters a person sees, as the sign-in page does', async () => {
    // 64 thumbs with a skin tone are 256 UTF-16 code units.
    expect((await login('👍🏽'.repeat(64))).response.status).toBe(200);
    expect((await login('👍🏽'.repeat(65))).response.status).toBe(400);
    expect((await login(`e${'\u0301'.repeat(2000)}`)).response.status).toBe(400);
  });

  it('takes a title and a board name of the most characters the page accepts, emoji and accents too', async () => {
    const { body } = await login('frank');
    const userId = body.userId as string;
    const push = async (events: unknown[]) => {
      const response = await fetch(`${served.url}/api/sync/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${body.token}` },
        body: JSON.stringify({ events }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { error: { type: string } | null }[]).map(
        (r) => r.error?.type ?? 'ok',
      );
    };
    const board = (id: string, name: string) => ({
      id: `ev-${id}`,
      entityType: 'Board',
      operation: 'create',
      payload: { id, name, userId, createdAt: now },
      createdAt: now,
    });
    const todo = (id: string, title: string) => ({
      id: `ev-${id}`,
      entityType: 'Todo',
      operation: 'create',
      payload: { id, boardId: 'frank-b', title, done: false, createdAt: now, updatedAt: now },
      createdAt: now,
    });
    // A family emoji is 11 code units; "é" as e + U+0301 is 2.
    const family = '👨‍👩‍👧‍👦';
    expect(
      await push([
        board('frank-b', family.repeat(200)),
        todo('frank-1', family.repeat(500)),
        todo('frank-2', 'e\u0301'.repeat(500)),
        board('frank-b2', family.repeat(201)),
        todo('frank-3', 'e\u0301'.repeat(501)),
      ]),
    ).toEqual(['ok', 'ok', 'ok', 'RECORD_VALIDATION_FAILURE', 'RECORD_VALIDATION_FAILURE']);
  });

  it('authorizes sync routes by cookie or bearer token, and nothing else', async () => {
    const { body } = await login('carol');
    const token = body.token as string;
    expect((await pull({ cookie: `${SESSION_COOKIE}=${token}` })).status).toBe(200);
    expect((await pull({ authorization: `Bearer ${token}` })).status).toBe(200);

    expect((await pull({})).status).toBe(401);
    const [v, payload, mac] = token.split('.');
    const otherPayload = ((await login('mallory')).body.token as string).split('.')[1];
    // The first base64url character is fully significant (the last one carries padding bits).
    const flipped = `${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`;
    const foreign = await (await createSessionSigner('another-secret-0123456789')).sign(
      body.userId as string,
    );
    const expired = await (await createSessionSigner(SECRET)).sign(
      body.userId as string,
      Date.now() - 31 * 24 * 3600 * 1000,
    );
    for (const bad of [
      `${v}.${payload}.${flipped}`,
      `${v}.${otherPayload}.${mac}`,
      foreign,
      expired,
      'garbage',
      '',
    ]) {
      expect((await pull({ authorization: `Bearer ${bad}` })).status, bad).toBe(401);
      const viaCookie = await pull({ cookie: `${SESSION_COOKIE}=${bad}` });
      expect(viaCookie.status, bad).toBe(401);
      expect(await viaCookie.json()).toEqual({ error: 'unauthorized' });
    }
    // A bad bearer token is not rescued by a good cookie.
    const both = await pull({
      authorization: 'Bearer garbage',
      cookie: `${SESSION_COOKIE}=${token}`,
    });
    expect(both.status).toBe(401);
  });

  it('scopes sync to the user id: own boards apply, boards of another user are rejected', async () => {
    const { body } = await login('dave');
    const userId = body.userId as string;
    const other = (await login('erin')).body.userId as string;
    const boardEvent = (id: string, owner: string) => ({
      id: `ev-${id}`,
      entityType: 'Board',
      operation: 'create',
      payload: { id, name: 'Groceries', userId: owner, createdAt: now },
      createdAt: now,
    });
    const response = await fetch(`${served.url}/api/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${body.token}` },
      body: JSON.stringify({ events: [boardEvent('dave-1', userId), boardEvent('dave-2', other)] }),
    });
    expect(response.status).toBe(200);
    const results = (await response.json()) as { error: { type: string } | null }[];
    expect(results.map((r) => r.error?.type ?? 'ok')).toEqual(['ok', 'SCOPE_VIOLATION']);
  });

  it('shares a board by user name: only with a name that signed in, members listed by name', async () => {
    const post = (path: string, token: string, body: unknown) =>
      fetch(`${served.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const access = async (token: string | null, board: string) => {
      const response = await fetch(`${served.url}/api/boards/${board}/access`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const owner = (await login('Olivia')).body as { userId: string; token: string };
    const member = (await login('Max ')).body as { userId: string; token: string };
    const stranger = (await login('Sam')).body as { userId: string; token: string };
    const board = `shared-${Date.now()}`;
    const pushed = await post('/api/sync/push', owner.token, {
      events: [
        {
          id: `ev-${board}`,
          entityType: 'Board',
          operation: 'create',
          payload: { id: board, name: 'Trip', userId: owner.userId, createdAt: now },
          createdAt: now,
        },
      ],
    });
    expect((await pushed.json())[0].error).toBeNull();
    expect(await access(owner.token, board)).toEqual({
      status: 200,
      body: { scope: null, role: 'owner', members: [] },
    });

    // A name resolves to the id login gives it, whatever its case and spaces.
    const lookup = await post('/api/users/lookup', owner.token, { user: ' MAX' });
    expect(await lookup.json()).toEqual({ userId: member.userId });
    expect((await post('/api/users/lookup', owner.token, { user: '' })).status).toBe(400);
    expect(
      (
        await fetch(`${served.url}/api/users/lookup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: 'max' }),
        })
      ).status,
    ).toBe(401);

    const neverSignedIn = await userIdFor(`nobody-${Date.now()}`);
    const refused = await post('/api/sync/members', owner.token, {
      model: 'Board',
      key: board,
      account: neverSignedIn,
      role: 'viewer',
    });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: 'no such account' });
    // Refused before anything moved: the board is still private.
    expect((await access(owner.token, board)).body.scope).toBeNull();

    const shared = await post('/api/sync/members', owner.token, {
      model: 'Board',
      key: board,
      account: member.userId,
      role: 'viewer',
    });
    expect(shared.status).toBe(200);
    const { scope } = (await shared.json()) as { scope: string };
    const members = [
      { account: owner.userId, name: 'Olivia', role: 'owner' },
      { account: member.userId, name: 'Max', role: 'viewer' },
    ].sort((a, b) => a.account.localeCompare(b.account));
    expect(await access(owner.token, board)).toEqual({
      status: 200,
      body: { scope, role: 'owner', members },
    });
    expect(await access(member.token, board)).toEqual({
      status: 200,
      body: { scope, role: 'viewer', members },
    });
    expect((await access(stranger.token, board)).status).toBe(404);
    expect((await access(owner.token, 'no-such-board')).status).toBe(404);
    expect((await access(null, board)).status).toBe(401);

    const revoked = await post('/api/sync/members/revoke', owner.token, {
      scope,
      account: member.userId,
    });
    expect(await revoked.json()).toEqual({ scope, membership: 'revoke' });
    expect((await access(member.token, board)).status).toBe(404);
  });

  it('serves a placeholder page at / until the app is built, and JSON 404 under /api', async () => {
    const page = await fetch(`${served.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swsync demo');
    const missing = await fetch(`${served.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });
});

describe('demo server with a built app and a second instance', () => {
  let dist: string;
  let second: ServedApp;
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'swsync-demo-dist-'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>app shell</title>');
    await writeFile(join(dist, 'app.js'), 'console.log(1)');
    second = await serveOnFreePort(
      await createDemoApp({ store, sessionSecret: SECRET, staticRoot: dist }),
    );
  });
  afterAll(async () => {
    await second?.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('serves files, and index.html for other paths (SPA fallback)', async () => {
    const asset = await fetch(`${second.url}/app.js`);
    expect(await asset.text()).toBe('console.log(1)');
    for (const path of ['/', '/boards/42']) {
      const page = await fetch(`${second.url}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('app shell');
    }
    expect((await fetch(`${second.url}/api/nope`)).status).toBe(404);
  });

  it('sign-out ends the session on every instance, by cookie or by bearer token', async () => {
    const logout = (headers: Record<string, string>, url: string) =>
      fetch(`${url}/api/logout`, { method: 'POST', headers });
    const byCookie = (await login('grace', served.url)).body.token as string;
    const other = (await login('grace', second.url)).body.token as string;
    expect((await pull({ cookie: `${SESSION_COOKIE}=${byCookie}` }, second.url)).status).toBe(200);
    const out = await logout({ cookie: `${SESSION_COOKIE}=${byCookie}` }, served.url);
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/i);
    for (const url of [served.url, second.url]) {
      expect((await pull({ cookie: `${SESSION_COOKIE}=${byCookie}` }, url)).status).toBe(401);
      expect((await pull({ authorization: `Bearer ${byCookie}` }, url)).status).toBe(401);
    }
    // Another session of the same user is its own: it stays valid until it signs out too.
    expect((await pull({ authorization: `Bearer ${other}` }, served.url)).status).toBe(200);
    await logout({ authorization: `Bearer ${other}` }, second.url);
    expect((await pull({ authorization: `Bearer ${other}` }, served.url)).status).toBe(401);
    // Signing out without a session is harmless.
    expect((await logout({}, served.url)).status).toBe(200);
  });

  it('a sign-out naming another account leaves the session it carries alone', async () => {
    // Two tabs, two accounts: B signs out in its tab after A signed in in the other, so the
    // browser's cookie is A's by then.
    const a = await login('heidi', served.url);
    const b = await login('ivo', served.url);
    const cookie = `${SESSION_COOKIE}=${a.body.token as string}`;
    const logout = (body: string) =>
      fetch(`${served.url}/api/logout`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body,
      });
    const asB = await logout(JSON.stringify({ account: b.body.userId }));
    expect(asB.status).toBe(200);
    expect(await asB.json()).toEqual({ ok: true, ended: false });
    expect(asB.headers.get('set-cookie')).toBeNull();
    expect((await pull({ cookie }, served.url)).status).toBe(200);
    for (const bad of ['[]', '{"account": 7}', '{"account": ""}', 'nope']) {
      const refused = await logout(bad);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: expect.any(String) });
    }
    expect((await pull({ cookie }, served.url)).status).toBe(200);
    const asA = await logout(JSON.stringify({ account: a.body.userId }));
    expect(await asA.json()).toEqual({ ok: true, ended: true });
    expect((await pull({ cookie }, served.url)).status).toBe(401);
  });

  it('sign-out ends the event streams the session had open, within a heartbeat', async () => {
    const quick = await serveOnFreePort(
      await createDemoApp({ store, sessionSecret: SECRET, staticRoot: dist, heartbeatMs: 100 }),
    );
    try {
      const token = (await login('ivan', quick.url)).body.token as string;
      const stream = await fetch(`${quick.url}/api/sync/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('heartbeat')) text += decoder.decode((await reader.read()).value);
      await fetch(`${quick.url}/api/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      // Bounded: the stream must end by itself; the test's own timeout is the backstop.
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } finally {
      await quick.close();
    }
  });

  it('a stream whose session signed out gets no poke for a later commit', async () => {
    // A heartbeat far away: the poke itself must find out that the session ended.
    const slow = await serveOnFreePort(
      await createDemoApp({ store, sessionSecret: SECRET, staticRoot: dist, heartbeatMs: 600_000 }),
    );
    try {
      const listening = (await login('judy', slow.url)).body as { token: string; userId: string };
      const writing = (await login('judy', slow.url)).body.token as string;
      const stream = await fetch(`${slow.url}/api/sync/events`, {
        headers: { authorization: `Bearer ${listening.token}` },
      });
      const reader = stream.body!.getReader();
      const decoder = new TextDecoder();
      let text = decoder.decode((await reader.read()).value);
      expect(text).toContain('connected');
      await fetch(`${slow.url}/api/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${listening.token}` },
      });
      // Past the window in which one authorization answer covers the pokes after it.
      await new Promise((r) => setTimeout(r, 1_200));
      const board = {
        id: `b-${Date.now()}`,
        name: 'Later',
        userId: listening.userId,
        createdAt: now,
      };
      const push = await fetch(`${slow.url}/api/sync/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writing}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          events: [
            {
              id: `e-${board.id}`,
              entityType: 'Board',
              operation: 'create',
              payload: board,
              createdAt: now,
            },
          ],
        }),
      });
      expect((await push.json())[0].error).toBeNull();
      // Bounded: the stream must end by itself; the test's own timeout is the backstop.
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      expect(text).not.toContain('event: poke');
    } finally {
      await slow.close();
    }
  });

  it('sets the Secure flag on the cookie when asked (behind HTTPS)', async () => {
    const secure = await serveOnFreePort(
      await createDemoApp({ store, sessionSecret: SECRET, staticRoot: dist, secureCookie: true }),
    );
    try {
      const { response } = await login('heidi', secure.url);
      expect(response.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
      expect((await login('heidi')).response.headers.get('set-cookie')).not.toMatch(/Secure/i);
    } finally {
      await secure.close();
    }
  });

  it('accepts tokens issued by another instance with the same secret', async () => {
    const { body } = await login('frank', served.url);
    expect((await pull({ authorization: `Bearer ${body.token}` }, second.url)).status).toBe(200);
    expect((await login('frank', second.url)).body.userId).toBe(body.userId);
  });
});
