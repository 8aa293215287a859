import type { IDBPDatabase } from 'idb';
import {
  type BroadcastMessage,
  broadcastChannelName,
  type KeyValue,
  type Schema,
  SwsyncError,
  type Write,
} from 'swsync/schema';
import { addChange, type ChangedKeys } from '../../sw/sync/context.ts';
import { applyWrites } from '../../sw/write/apply-writes.ts';
import { SchemaChangedError } from '../../sw/write/schema-check.ts';
import { checkWrite } from '../../sw/write/validate.ts';
import { UnavailableError, WorkerError } from '../errors.ts';
import { randomId } from '../transport/envelope.ts';

export interface LocalWriterOptions {
  dbName: string;
  schema: Schema;
  /**
   * Whether the page may write itself: the worker's handshake says it speaks this page
   * protocol and has a schema of the same `fingerprint`. Rejects as a call to the worker
   * would (unreachable, closed client): the write then rejects with that error.
   */
  mayWrite(): Promise<boolean>;
  /**
   * The page's own connection to the database, opened once the worker has made it; rejects
   * when the database is not there or does not open in time (`LocalReader.database`).
   */
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
 * must make the write: it speaks another page protocol or has a schema of another fingerprint
 * (a page of another release), the database was laid out for another schema, is not there, or
 * its connection is closing for an upgrade, or IndexedDB failed. It rejects as the worker would
 * for a write that cannot be made at all (`WorkerError` with code `NOT_FOUND` for an update of
 * a missing record), as a call would when the worker cannot be reached, and with
 * `UnavailableError`, nothing written, when the database cannot be opened in time (the
 * reader's open timeout: another context holds it up).
 *
 * @example
 * const writer = new LocalWriter({ dbName, schema, mayWrite, database: () => reader.database(),
 *   tellWorker: () => call('poke', 'write') });
 * if (!(await writer.write([write]))) await call('write', randomId(), [write]);
 */
export class LocalWriter {
  private readonly channel: BroadcastChannel | undefined;
  /** The worker is being told; `again`: more writes committed since it was asked. */
  private telling: Promise<unknown> | undefined;
  private again = false;
  private closed = false;

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
    if (!(await this.options.mayWrite())) return false;
    const db = await this.connection();
    if (!db) return false;
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
    this.closed = true;
    this.channel?.close();
  }

  /**
   * The page's connection, or null when the worker must write: the database is not there.
   * Rejects with `UnavailableError`, nothing written, when opening it waits (on another
   * context's upgrade or deletion) past the reader's timeout: the worker's own connection waits
   * on the same hold, so asking it would only turn "not written" into "perhaps written later",
   * once its call timed out.
   */
  private connection(): Promise<IDBPDatabase | null> {
    return this.options.database().catch((error: unknown) => {
      const method = (error as { details?: { method?: unknown } }).details?.method;
      if (error instanceof UnavailableError && method === 'read') {
        throw new UnavailableError(`nothing was written: ${error.message}`, {
          method: 'write',
          attempts: 1,
          cause: error.message,
        });
      }
      return null;
    });
  }

  private announce(changed: { model: string; key: KeyValue }[]): void {
    // Committed: what follows may not fail the write. A client closed meanwhile tells no one;
    // the worker's next run (a timer, a page opening the database) pushes the write.
    if (this.closed) return;
    const changes: ChangedKeys = new Map();
    for (const { model, key } of changed) addChange(changes, model, key);
    for (const [model, keys] of changes) {
      const message: BroadcastMessage = { type: 'change', model, keys: [...keys] };
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
