import type { PullResponse, PushResult } from 'swsync/schema';
import type { SyncAuth } from '../options.ts';

/**
 * The tests' `auth`: the identity is whatever follows `Bearer ` in the Authorization header, as
 * {@link TestSyncClient} sends it.
 *
 * @example
 * syncRoutes({ store, schema, auth: bearerAuth });
 */
export const bearerAuth: SyncAuth = (c) =>
  c.req.header('authorization')?.replace(/^Bearer /, '') ?? null;

export interface RawAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
  isJson: boolean;
}

/**
 * A minimal sync client for HTTP tests: talks to `{base}/push|pull|events` as `user`
 * (sent as `Authorization: Bearer <user>`, which the tests' `auth` accepts as the identity).
 *
 * @example
 * const alice = new TestSyncClient(`${served.url}/api/sync`, 'alice');
 * const [result] = await alice.push([ev.create('Board', board('b1', 'alice'))]);
 */
export class TestSyncClient {
  constructor(
    readonly base: string,
    readonly user: string | null,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'content-type': 'application/json',
      ...(this.user === null ? {} : { authorization: `Bearer ${this.user}` }),
      ...extra,
    };
  }

  /** POSTs `body` (a string is sent as is) and returns status, headers and parsed body. */
  async raw(
    path: 'push' | 'pull' | string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<RawAnswer> {
    const response = await fetch(`${this.base}/${path}`, {
      method: 'POST',
      headers: this.headers(headers),
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return {
        status: response.status,
        headers: response.headers,
        body: JSON.parse(text),
        isJson: true,
      };
    } catch {
      return { status: response.status, headers: response.headers, body: text, isJson: false };
    }
  }

  async push(events: readonly object[], clientId?: string): Promise<PushResult[]> {
    const answer = await this.raw('push', clientId ? { events, clientId } : { events });
    if (answer.status !== 200)
      throw new Error(`push: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as PushResult[];
  }

  async pull(lastChangelogId: string | null = null, limit?: number): Promise<PullResponse> {
    const answer = await this.raw(
      'pull',
      limit === undefined ? { lastChangelogId } : { lastChangelogId, limit },
    );
    if (answer.status !== 200)
      throw new Error(`pull: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as PullResponse;
  }

  /** Pulls every page from `cursor` on. */
  async pullAll(
    cursor: string | null = null,
    limit?: number,
  ): Promise<PullResponse['logsWithRecords']> {
    const logs: PullResponse['logsWithRecords'] = [];
    for (;;) {
      const page = await this.pull(cursor, limit);
      logs.push(...page.logsWithRecords);
      cursor = page.cursor;
      if (!page.hasMore) return logs;
    }
  }

  /** Opens the SSE stream (the caller wraps it in an `SseReader`). */
  events(): Promise<Response> {
    return fetch(`${this.base}/events`, {
      headers: this.user === null ? {} : { authorization: `Bearer ${this.user}` },
    });
  }
}
