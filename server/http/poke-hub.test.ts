import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeChangelogId } from '../changelog/cursor.ts';
import { POKE_CHANNEL, type SyncStore } from '../store/types.ts';
import { releaseSharedPGlite, sharedPGliteStore, uniqueScope } from '../testing/index.ts';
import { openPokeStream } from './events.ts';
import { PokeHub, pokeHubFor } from './poke-hub.ts';
import { type ServedApp, SseReader, serveOnFreePort } from './testing/index.ts';

let store: SyncStore;
beforeAll(async () => {
  store = await sharedPGliteStore();
});
afterAll(releaseSharedPGlite);

const notify = (scope: string, cursor: string) =>
  store.query('SELECT pg_notify($1, $2)', [POKE_CHANNEL, JSON.stringify({ scope, cursor })]);

/** Counts `store.listen` calls, to prove the hub shares one LISTEN. */
function countingStore(inner: SyncStore) {
  const counts = { listens: 0, unlistens: 0 };
  const wrapped: SyncStore = Object.assign(Object.create(inner) as SyncStore, {
    listen: async (channel: string, fn: (payload: string) => void) => {
      counts.listens++;
      const stop = await inner.listen(channel, fn);
      return async () => {
        counts.unlistens++;
        await stop();
      };
    },
  });
  return { store: wrapped, counts };
}

const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

describe('PokeHub', () => {
  it('fans NOTIFYs out by scope over one LISTEN, and stops listening after the last leaves', async () => {
    const { store: counted, counts } = countingStore(store);
    const hub = new PokeHub(counted);
    const alice = uniqueScope('alice');
    const bob = uniqueScope('bob');
    const seen: string[] = [];
    const offA1 = await hub.subscribe(alice, (c) => seen.push(`a1:${c}`));
    const offA2 = await hub.subscribe(alice, (c) => seen.push(`a2:${c}`));
    const offB = await hub.subscribe(bob, (c) => seen.push(`b:${c}`));
    expect(counts.listens).toBe(1);
    expect(hub.size).toBe(3);

    await notify(alice, 'c1');
    await notify(bob, 'c2');
    await notify('someone-else', 'c3');
    await tick();
    expect(seen.sort()).toEqual(['a1:c1', 'a2:c1', 'b:c2']);

    offA1();
    offA1(); // idempotent
    await notify(alice, 'c4');
    await tick();
    expect(seen.filter((s) => s.endsWith('c4'))).toEqual(['a2:c4']);

    offA2();
    offB();
    expect(hub.size).toBe(0);
    expect(hub.isListening).toBe(false);
    await tick();
    expect(counts.unlistens).toBe(1);

    // A new subscriber after a full stop listens again.
    const offAgain = await hub.subscribe(alice, (c) => seen.push(`again:${c}`));
    expect(counts.listens).toBe(2);
    await notify(alice, 'c5');
    await tick();
    expect(seen).toContain('again:c5');
    offAgain();
  });

  it('ignores malformed notification payloads', async () => {
    const hub = new PokeHub(store);
    const scope = uniqueScope();
    const seen: string[] = [];
    const off = await hub.subscribe(scope, (c) => seen.push(c));
    await store.query('SELECT pg_notify($1, $2)', [POKE_CHANNEL, 'not json']);
    await store.query('SELECT pg_notify($1, $2)', [POKE_CHANNEL, JSON.stringify({ scope })]);
    await notify(scope, 'ok');
    await tick();
    expect(seen).toEqual(['ok']);
    off();
  });

  it('after the store listens again, pokes every subscriber once with its scope head', async () => {
    let restored: (() => void) | undefined;
    const wrapped: SyncStore = Object.assign(Object.create(store) as SyncStore, {
      listen: (channel: string, fn: (payload: string) => void, onRestored?: () => void) => {
        restored = onRestored;
        return store.listen(channel, fn);
      },
    });
    const hub = new PokeHub(wrapped);
    const withCommits = uniqueScope();
    const quiet = uniqueScope();
    await store.query('INSERT INTO swsync_scopes (scope, seq) VALUES ($1, 7)', [withCommits]);
    const seen: string[] = [];
    const offs = [
      await hub.subscribe(withCommits, (c) => seen.push(`a:${c}`)),
      await hub.subscribe(withCommits, (c) => seen.push(`b:${c}`)),
      await hub.subscribe(quiet, (c) => seen.push(`q:${c}`)),
    ];
    expect(restored).toBeTypeOf('function');
    restored!();
    for (let i = 0; i < 40 && seen.length < 3; i++) await tick(10);
    expect(seen.sort()).toEqual([
      `a:${encodeChangelogId(7)}`,
      `b:${encodeChangelogId(7)}`,
      `q:${encodeChangelogId(0)}`,
    ]);
    for (const off of offs) off();
  });

  it('shares one hub per store', () => {
    expect(pokeHubFor(store)).toBe(pokeHubFor(store));
  });
});

describe('openPokeStream over a real socket', () => {
  let served: ServedApp;
  let realHub: PokeHub;
  beforeAll(async () => {
    realHub = new PokeHub(store);
    const app = new Hono();
    app.get('/events/:scope', (c) =>
      openPokeStream({
        hub: realHub,
        scope: c.req.param('scope'),
        heartbeatMs: 100,
        signal: c.req.raw.signal,
      }),
    );
    served = await serveOnFreePort(app);
  });
  afterAll(() => served.close());

  it('sends headers at once, pokes of its scope only, heartbeats, and unsubscribes on disconnect', async () => {
    const scope = uniqueScope();
    const response = await fetch(`${served.url}/events/${scope}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sse = new SseReader(response);
    await sse.until(() => sse.comments.includes('connected'));
    expect(realHub.size).toBe(1);

    await notify(uniqueScope(), 'other');
    await notify(scope, 'mine');
    const poke = await sse.next((m) => m.event === 'poke');
    expect(JSON.parse(poke.data)).toEqual({ cursor: 'mine' });
    await sse.until(() => sse.comments.filter((c) => c === 'heartbeat').length >= 2, 2000);
    expect(sse.events.map((e) => e.data)).toEqual(['{"cursor":"mine"}']);

    sse.close();
    await sse.finished;
    for (let i = 0; i < 40 && realHub.size > 0; i++) await tick();
    expect(realHub.size).toBe(0);
    expect(realHub.isListening).toBe(false);
  });

  it('leaks no subscription over many clients that come and go, some before the stream opens', async () => {
    const scope = uniqueScope();
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const abort = new AbortController();
        const pending = fetch(`${served.url}/events/${scope}`, { signal: abort.signal });
        if (i % 2 === 0) abort.abort();
        try {
          const response = await pending;
          const sse = new SseReader(response);
          await sse.until(() => sse.comments.includes('connected'));
          sse.close();
          await sse.finished;
        } catch {
          // Aborted before the response: that is the point.
        }
      }),
    );
    for (let i = 0; i < 60 && (realHub.size > 0 || realHub.isListening); i++) await tick();
    expect(realHub.size).toBe(0);
    expect(realHub.isListening).toBe(false);
  });
});
