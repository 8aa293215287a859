import type { IDBPDatabase } from 'idb';
import {
  type BroadcastMessage,
  broadcastChannelName,
  type KeyValue,
  type Schema,
  SwsyncError,
  type Write,
} from 'swsync/schema';
import { applyWrites } from '../../sw/write/apply-writes.ts';
import { SchemaChangedError } from '../../sw/write/schema-check.ts';
import { checkWrite } from '../../sw/write/validate.ts';
import { WorkerError } from '../errors.ts';
import { randomId } from '../transport/envelope.ts';

export interface LocalWriterOptions {
  dbName: string;
  schema: Schema;
  /** The page's own connection to the database, opened once the worker has made it. */
  database(): Promise<IDBPDatabase>;
  /** Tells the worker that the outbox grew (`poke(db, 'write')`). */
  tellWorker(): Promise<unknown>;
}

/**
 * Writes made in the page itself: the engine's own write path (`applyWrites`: the records,
 * their outbox events and `base` rows in ONE IndexedDB transaction) on the page's connection,
 * so a write costs no trip to the worker. The worker hears of it after the commit, off the
 * write's path: it counts the outbox again and pushes after its write debounce. Pages of every
 * tab still see the change through the database's BroadcastChannel, as from the worker.
 *
 * `write` resolves `true` once committed, or `false`, having written nothing, when the worker
 * must make the write: the database was laid out for another schema (a page of another
 * release), is not there yet or any more, its connection is closing for the worker's upgrade,
 * or IndexedDB failed. It rejects as the worker would for a write that cannot be made at all
 * (`WorkerError` with code `NOT_FOUND` for an update of a missing record).
 *
 * @example
 * const writer = new LocalWriter({ dbName, schema, database: () => reader.database(),
 *   tellWorker: () => call('poke', 'write') });
 * if (!(await writer.write([write]))) await call('write', randomId(), [write]);
 */
export class LocalWriter {
  private readonly channel: BroadcastChannel | undefined;
  /** The worker is being told; `again`: more writes committed since it was asked. */
  private telling: Promise<unknown> | undefined;
  private again = false;

  constructor(private readonly options: LocalWriterOptions) {
    // Its own channel object: a BroadcastChannel never hears its own messages, and this page's
    // live queries listen on another object of the same name.
    this.channel =
      typeof BroadcastChannel === 'undefined'
        ? undefined
        : new BroadcastChannel(broadcastChannelName(options.dbName));
  }

  async write(writes: Write[]): Promise<boolean> {
    const { schema } = this.options;
    let db: IDBPDatabase;
    try {
      db = await this.options.database();
    } catch {
      // The worker's path reports why (unreachable, another protocol, closed client).
      return false;
    }
    let changed: { model: string; key: KeyValue }[];
    try {
      const checked = writes.map((write) => checkWrite(schema, write));
      ({ changed } = await applyWrites(db, schema, checked, {
        schemaHash: schema.hash,
        now: () => new Date(),
        newId: randomId,
      }));
    } catch (error) {
      if (error instanceof SchemaChangedError || error instanceof DOMException) return false;
      // The error the worker's path gives for the same write, as it reaches the page.
      if (error instanceof SwsyncError) {
        throw new WorkerError(error.code, error.message, error.details);
      }
      throw error;
    }
    this.announce(changed);
    return true;
  }

  close(): void {
    this.channel?.close();
  }

  private announce(changed: { model: string; key: KeyValue }[]): void {
    const keys = new Map<string, Set<KeyValue>>();
    for (const { model, key } of changed) {
      const set = keys.get(model) ?? new Set();
      set.add(key);
      keys.set(model, set);
    }
    for (const [model, set] of keys) {
      const message: BroadcastMessage = { type: 'change', model, keys: [...set] };
      this.channel?.postMessage(message);
    }
    this.tell();
  }

  /** One request at a time: writes committed meanwhile share the next one. */
  private tell(): void {
    if (this.telling) {
      this.again = true;
      return;
    }
    this.telling = this.options
      .tellWorker()
      .catch(() => undefined)
      .finally(() => {
        this.telling = undefined;
        if (this.again) {
          this.again = false;
          this.tell();
        }
      });
  }
}
