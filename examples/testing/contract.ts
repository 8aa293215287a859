import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { type SseMessage, SseReader } from '../../server/http/testing/sse-client.ts';

/** Long enough to outlast Bun's 10 s idle timeout and the 25 s default heartbeat. */
const SSE_HOLD_MS = 32_000;
const STEP_TIMEOUT_MS = 15_000;

interface PushResult {
  id: string;
  appliedChangelogId: string | null;
  error: { type: string; message: string } | null;
}
interface PullPage {
  cursor: string | null;
  hasMore: boolean;
  logsWithRecords: { model: string; keyPath: unknown[]; record: Record<string, unknown> | null }[];
}

const newUser = () => `user-${randomUUID()}`;

function noteEvent(userId: string, text: unknown, fields: Record<string, unknown> = {}) {
  const id = randomUUID();
  return {
    id: randomUUID(),
    entityType: 'Note',
    entityKeyPath: [id],
    operation: 'create',
    payload: { id, userId, text, ...fields },
    createdAt: new Date().toISOString(),
  };
}

async function post(baseUrl: string, path: string, user: string | null, body: string) {
  return fetch(`${baseUrl}/api/sync${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(user ? { Cookie: `user=${user}` } : {}) },
    body,
    signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
  });
}

async function push(baseUrl: string, user: string, events: unknown[]): Promise<PushResult[]> {
  const response = await post(baseUrl, '/push', user, JSON.stringify({ events }));
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as PushResult[];
}

async function pull(baseUrl: string, user: string, lastChangelogId: string | null) {
  const response = await post(baseUrl, '/pull', user, JSON.stringify({ lastChangelogId }));
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as PullPage;
}

async function expectJsonError(response: Response, status: number): Promise<string> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as { error?: unknown };
  assert.equal(typeof body.error, 'string');
  return body.error as string;
}

async function openEvents(baseUrl: string, user: string): Promise<SseReader> {
  const response = await fetch(`${baseUrl}/api/sync/events`, {
    headers: { Cookie: `user=${user}`, Accept: 'text/event-stream' },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  return new SseReader(response);
}

const isPoke = (message: SseMessage) => message.event === 'poke';
const pokeCursor = (message: SseMessage) => (JSON.parse(message.data) as { cursor: string }).cursor;

/**
 * The HTTP contract every runtime's example must keep (docs/protocol.md): push, pull, the poke
 * stream held past 30 s, and 4xx JSON errors. Registers `it` blocks in the current `describe`.
 */
export function contractSuite(baseUrl: () => string): void {
  it('push applies events and pull returns them, scoped to the caller', async () => {
    const user = newUser();
    const event = noteEvent(user, 'milk');
    const [result] = await push(baseUrl(), user, [event]);
    assert.equal(result?.id, event.id);
    assert.equal(result?.error, null);
    assert.equal(typeof result?.appliedChangelogId, 'string');

    const page = await pull(baseUrl(), user, null);
    assert.deepEqual(
      page.logsWithRecords.map((log) => log.record),
      [event.payload],
    );
    assert.equal(page.hasMore, false);
    assert.deepEqual((await pull(baseUrl(), user, page.cursor)).logsWithRecords, []);
    assert.deepEqual((await pull(baseUrl(), newUser(), null)).logsWithRecords, []);
    // The same event again is applied once (idempotent by event id).
    const [again] = await push(baseUrl(), user, [event]);
    assert.equal(again?.error, null);
    assert.equal((await pull(baseUrl(), user, null)).logsWithRecords.length, 1);
  });

  it('concurrent pushes are all applied', async () => {
    const user = newUser();
    const events = Array.from({ length: 6 }, (_, i) => noteEvent(user, `note ${i}`));
    const results = await Promise.all(events.map((event) => push(baseUrl(), user, [event])));
    assert.deepEqual(
      results.map(([result]) => result?.error),
      events.map(() => null),
    );
    assert.equal((await pull(baseUrl(), user, null)).logsWithRecords.length, events.length);
  });

  it('the poke stream pokes per commit and stays open past 30 s with heartbeats', async () => {
    const user = newUser();
    const opened = Date.now();
    const stream = await openEvents(baseUrl(), user);
    try {
      await stream.until(() => stream.comments.includes('connected'), STEP_TIMEOUT_MS);
      const [first] = await push(baseUrl(), user, [noteEvent(user, 'first')]);
      const poke = await stream.next(isPoke, STEP_TIMEOUT_MS);
      assert.equal(pokeCursor(poke), first?.appliedChangelogId);

      const wait = SSE_HOLD_MS - (Date.now() - opened);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const seen = JSON.stringify({ comments: stream.comments, events: stream.events });
      assert.equal(stream.isDone, false, `stream cut: ${seen}`);
      assert.ok(stream.comments.includes('heartbeat'), `no heartbeat: ${seen}`);

      const pokes = stream.events.length;
      const [second] = await push(baseUrl(), user, [noteEvent(user, 'second')]);
      const late = await stream.next(isPoke, STEP_TIMEOUT_MS, pokes);
      assert.equal(pokeCursor(late), second?.appliedChangelogId);
    } finally {
      stream.close();
    }
  });

  it('bad input gets a 4xx JSON body or a per-event error, never a 500', async () => {
    const user = newUser();
    assert.equal(
      await expectJsonError(await post(baseUrl(), '/push', user, '{'), 400),
      'body is not JSON',
    );
    await expectJsonError(await post(baseUrl(), '/pull', user, '{"lastChangelogId":'), 400);
    await expectJsonError(await post(baseUrl(), '/pull', user, '{"lastChangelogId":"x"}'), 400);
    await expectJsonError(await post(baseUrl(), '/push', user, '{"events":3}'), 400);
    await expectJsonError(await post(baseUrl(), '/push', null, '{"events":[]}'), 401);
    await expectJsonError(await post(baseUrl(), '/nowhere', user, '{}'), 404);

    const [invalid, foreign, unknown] = await push(baseUrl(), user, [
      noteEvent(user, 5),
      noteEvent(user, 'x', { userId: 'someone-else' }),
      { ...noteEvent(user, 'x'), entityType: 'Nope' },
    ]);
    assert.equal(invalid?.error?.type, 'RECORD_VALIDATION_FAILURE');
    assert.match(invalid?.error?.message ?? '', /text/);
    assert.equal(foreign?.error?.type, 'SCOPE_VIOLATION');
    assert.equal(unknown?.error?.type, 'INVALID_MODEL');
    assert.deepEqual((await pull(baseUrl(), user, null)).logsWithRecords, []);
  });
}
