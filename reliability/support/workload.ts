import type { Rng } from './prng.ts';
import type { DemoEngine, ServerEntry } from './servers.ts';

const at = '2026-01-01T00:00:00.000Z';

/** What a scope's writers did, by `Model/key`: how many events each key got, and its last state. */
export class Ledger {
  readonly keys = new Map<string, { events: number; record: Record<string, unknown> | null }>();

  note(id: string, record: Record<string, unknown> | null): void {
    const entry = this.keys.get(id) ?? { events: 0, record: null };
    entry.events++;
    entry.record = record;
    this.keys.set(id, entry);
  }

  get events(): number {
    let total = 0;
    for (const entry of this.keys.values()) total += entry.events;
    return total;
  }

  /**
   * Differences from the server: a key missing or extra (lost or invented), a version other than
   * the number of events (an event applied twice, or lost), or another final record. Empty when
   * every event took effect exactly once.
   */
  diff(server: Map<string, ServerEntry>): string[] {
    const problems: string[] = [];
    for (const [id, expected] of this.keys) {
      const actual = server.get(id);
      if (!actual) {
        problems.push(`${id}: lost (never reached the server)`);
        continue;
      }
      if (actual.version !== expected.events) {
        problems.push(`${id}: ${expected.events} events but server version ${actual.version}`);
      }
      if (JSON.stringify(sortKeys(actual.record)) !== JSON.stringify(sortKeys(expected.record))) {
        problems.push(
          `${id}: server has ${JSON.stringify(actual.record)}, expected ${JSON.stringify(expected.record)}`,
        );
      }
    }
    for (const id of server.keys()) if (!this.keys.has(id)) problems.push(`${id}: unexpected`);
    return problems;
  }
}

function sortKeys(record: Record<string, unknown> | null): unknown {
  if (!record) return null;
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * One writer's own keys (`<prefix>-b<n>`, `<prefix>-t<n>`) in a user's scope: writers of one
 * scope never touch each other's keys, so every event must be applied (none is rejected) and the
 * server's version of each key must equal the number of its events.
 */
export class Writer {
  private boards: string[] = [];
  private todos: string[] = [];
  private next = 0;

  constructor(
    readonly user: string,
    readonly prefix: string,
    readonly ledger: Ledger,
  ) {}

  /** Makes one random write through `engine` and notes it in the ledger. */
  async write(engine: DemoEngine, rng: Rng): Promise<void> {
    const op =
      this.boards.length === 0
        ? 'createBoard'
        : rng.weighted({
            createBoard: 1,
            createTodo: this.todos.length < 12 ? 4 : 1,
            updateTodo: this.todos.length > 0 ? 4 : 0,
            updateBoard: 1,
            deleteTodo: this.todos.length > 0 ? 1 : 0,
          });
    const n = this.next++;
    switch (op) {
      case 'createBoard': {
        const id = `${this.prefix}-b${n}`;
        const record = await engine.create('Board', {
          id,
          name: `Board ${n}`,
          userId: this.user,
          createdAt: at,
        });
        this.boards.push(id);
        this.ledger.note(`Board/${id}`, record);
        return;
      }
      case 'createTodo': {
        const id = `${this.prefix}-t${n}`;
        const record = await engine.create('Todo', {
          id,
          boardId: rng.pick(this.boards),
          title: `Todo ${n}`,
          done: false,
          createdAt: at,
          updatedAt: at,
        });
        this.todos.push(id);
        this.ledger.note(`Todo/${id}`, record);
        return;
      }
      case 'updateTodo': {
        const id = rng.pick(this.todos);
        const record = await engine.update('Todo', id, {
          title: `edit ${n}`,
          done: rng.chance(0.5),
        });
        this.ledger.note(`Todo/${id}`, record);
        return;
      }
      case 'updateBoard': {
        const id = rng.pick(this.boards);
        const record = await engine.update('Board', id, { name: `renamed ${n}` });
        this.ledger.note(`Board/${id}`, record);
        return;
      }
      case 'deleteTodo': {
        const id = rng.pick(this.todos);
        this.todos = this.todos.filter((t) => t !== id);
        await engine.delete('Todo', id);
        this.ledger.note(`Todo/${id}`, null);
        return;
      }
    }
  }
}
