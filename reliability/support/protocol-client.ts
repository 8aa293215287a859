import type { LogWithRecord, OutboxEvent, PullResponse, PushResult } from 'swsync/schema';
import type { Rng } from './prng.ts';
import type { ServerEntry } from './servers.ts';
import { Ledger } from './workload.ts';

const at = '2026-01-01T00:00:00.000Z';
let eventCounter = 0;

/** Latencies (ms) of answered requests, and every status seen, shared by a run's clients. */
export class Meter {
  readonly push: number[] = [];
  readonly pull: number[] = [];
  readonly statuses = new Map<number | 'network', number>();
  events = 0;

  count(status: number | 'network'): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const ordered = [...values].sort((a, b) => a - b);
  const rank = Math.min(ordered.length - 1, Math.max(0, Math.ceil((p / 100) * ordered.length) - 1));
  return ordered[rank]!;
}

/**
 * A lightweight protocol client (no IndexedDB): pushes outbox events of its own keys with the
 * retry rules of the protocol (same event ids again after a 503, a 429 or a lost answer; waits
 * with jittered backoff, `Retry-After` honoured), pulls from its cursor into a replica. Requests
 * go round-robin over `endpoints`, as behind a load balancer.
 */
export class ProtocolClient {
  /** Current records by `Model/key`, built only from pulls. */
  readonly records = new Map<string, Record<string, unknown>>();
  cursor: string | null = null;
  private boards: string[] = [];
  private todos: string[] = [];
  private next = 0;
  private turn = 0;

  constructor(
    readonly user: string,
    readonly name: string,
    readonly endpoints: string[],
    readonly ledger: Ledger,
    readonly meter: Meter,
    readonly rng: Rng,
    /** Most tries of one request before the client gives up (the test then fails). */
    readonly maxTries = 40,
  ) {}

  private async post<T>(path: 'push' | 'pull', body: unknown): Promise<T> {
    for (let attempt = 1; attempt <= this.maxTries; attempt++) {
      const endpoint = this.endpoints[this.turn++ % this.endpoints.length]!;
      const started = performance.now();
      let retryAfterMs: number | undefined;
      try {
        const response = await fetch(`${endpoint}/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.user}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        this.meter.count(response.status);
        const text = await response.text();
        if (response.status === 200) {
          this.meter[path].push(performance.now() - started);
          return JSON.parse(text) as T;
        }
        if (response.status !== 503 && response.status !== 429) {
          throw new Error(`${path} answered ${response.status}: ${text}`);
        }
        const header = response.headers.get('retry-after');
        if (header !== null) retryAfterMs = Number(header) * 1000;
      } catch (error) {
        if (error instanceof Error && error.message.includes(' answered ')) throw error;
        this.meter.count('network');
      }
      const ceiling = Math.min(2_000, 50 * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, retryAfterMs ?? this.rng.next() * ceiling));
    }
    throw new Error(`${this.name}: ${path} failed ${this.maxTries} times`);
  }

  /** Pushes 1–4 random events of this client's own keys (creates and updates). */
  async pushSome(): Promise<void> {
    const events: OutboxEvent[] = [];
    const notes: [string, Record<string, unknown>][] = [];
    const count = this.rng.int(1, 4);
    for (let i = 0; i < count; i++) {
      const n = this.next++;
      const id = `${this.name}-${n}`;
      const kind =
        this.boards.length === 0
          ? 'board'
          : this.rng.weighted({ board: 1, todo: 3, edit: this.todos.length > 0 ? 4 : 0 });
      if (kind === 'board') {
        const record = { id, name: `Board ${n}`, userId: this.user, createdAt: at };
        this.boards.push(id);
        events.push(this.event('Board', 'create', record));
        notes.push([`Board/${id}`, record]);
      } else if (kind === 'todo') {
        const record = {
          id,
          boardId: this.rng.pick(this.boards),
          title: `Todo ${n}`,
          done: false,
          createdAt: at,
          updatedAt: at,
        };
        this.todos.push(id);
        events.push(this.event('Todo', 'create', record));
        notes.push([`Todo/${id}`, record]);
      } else {
        const key = this.rng.pick(this.todos);
        const previous = this.ledger.keys.get(`Todo/${key}`)?.record ?? {};
        const patch = { title: `edit ${n}`, done: this.rng.chance(0.5) };
        events.push({ ...this.event('Todo', 'update', patch), entityKeyPath: [key] });
        notes.push([`Todo/${key}`, { ...previous, ...patch }]);
      }
      // Noted before the answer: an event the server applied must be in the ledger even if its
      // answer is lost, or a duplicate would look like a correct count.
      const [noteId, record] = notes[notes.length - 1]!;
      this.ledger.note(noteId, record);
    }
    const results = await this.post<PushResult[]>('push', { events, clientId: this.name });
    for (const [i, result] of results.entries()) {
      if (result.error !== null) {
        throw new Error(`${this.name}: event ${i} rejected: ${JSON.stringify(result.error)}`);
      }
    }
    this.meter.events += events.length;
  }

  private event(model: string, operation: 'create' | 'update', payload: Record<string, unknown>) {
    return {
      id: `${this.name}-ev-${eventCounter++}`,
      entityType: model,
      operation,
      payload,
      createdAt: at,
    } as OutboxEvent;
  }

  /** Pulls every page from the cursor into the replica. */
  async pullAll(limit = 200): Promise<void> {
    for (let page = 0; page < 10_000; page++) {
      const answer = await this.post<PullResponse>('pull', {
        lastChangelogId: this.cursor,
        limit,
      });
      applyLogs(this.records, answer.logsWithRecords);
      this.cursor = answer.cursor;
      if (!answer.hasMore) return;
    }
  }
}

function applyLogs(records: Map<string, Record<string, unknown>>, logs: LogWithRecord[]): void {
  for (const log of logs) {
    const id = `${log.model}/${log.keyPath[0]}`;
    if (log.record) records.set(id, log.record);
    else records.delete(id);
  }
}

/** A scope's every key with its version and record, from a full pull over HTTP. */
export async function statesOverHttp(
  endpoint: string,
  user: string,
): Promise<Map<string, ServerEntry>> {
  const state = new Map<string, ServerEntry>();
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const response = await fetch(`${endpoint}/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user}` },
      body: JSON.stringify({ lastChangelogId: cursor, limit: 1000 }),
    });
    if (response.status !== 200) throw new Error(`pull: ${response.status}`);
    const answer = (await response.json()) as PullResponse;
    for (const log of answer.logsWithRecords) {
      state.set(`${log.model}/${log.keyPath[0]}`, { version: log.version, record: log.record });
    }
    cursor = answer.cursor;
    if (!answer.hasMore) break;
  }
  return state;
}

export { Ledger };
