import { type BroadcastMessage, broadcastChannelName, type Schema } from 'swsync/schema';
import { UnknownDatabaseError } from '../errors.ts';
import type { EngineFactory, HostedEngine } from './hosted-engine.ts';
import type { KnownDatabases } from './known-databases.ts';

export interface EngineRegistryOptions {
  schema: Schema;
  endpoint: string;
  createEngine: EngineFactory;
  known: KnownDatabases;
  /** The engine is offline with events pending: registers Background Sync. */
  onRetryLater(): void;
  /** `EngineOptions.spaces` of every engine, default false. */
  spaces?: boolean | undefined;
}

/**
 * One engine per local database, opened on first use and kept until it closes (another context
 * upgrading the database closes it), then reopened on the next call. Module state here is only
 * a cache: a restarted worker reopens engines from IndexedDB on demand.
 */
export class EngineRegistry {
  private readonly engines = new Map<string, Promise<HostedEngine>>();
  private readonly channels = new Map<string, BroadcastChannel>();

  constructor(private readonly options: EngineRegistryOptions) {}

  /**
   * The engine of `dbName`, creating the database if needed: only a page's handshake (which
   * names its account) and host-wide syncs of known databases come here.
   */
  get(dbName: string): Promise<HostedEngine> {
    const cached = this.engines.get(dbName);
    if (cached) return cached;
    const opening = this.open(dbName, () => this.forget(dbName, opening));
    this.engines.set(dbName, opening);
    // A failed open must not poison the cache: the next call tries again.
    opening.catch(() => this.forget(dbName, opening));
    return opening;
  }

  /** Every database a page ever opened here, engines opened as needed. */
  async all(): Promise<HostedEngine[]> {
    const names = new Set([...(await this.options.known.list()), ...this.engines.keys()]);
    return Promise.all([...names].map((name) => this.get(name)));
  }

  /**
   * Deletes a database and everything in it, and stops remembering it: start-up and Background
   * Sync no longer open it. Opening it again later starts an empty one.
   */
  async destroy(dbName: string): Promise<void> {
    const engine = await this.opened(dbName);
    // Forgotten first: from here on no call but a new handshake can open it again.
    await this.options.known.remove(dbName);
    await engine.destroy();
  }

  /**
   * The engine of a database a page opened here (by handshake) and that was not destroyed
   * since. Every call but the handshake goes through here, so a tab left open on a removed
   * database cannot recreate it (it would come back bound to no account). Throws
   * {@link UnknownDatabaseError} otherwise.
   */
  async opened(dbName: string): Promise<HostedEngine> {
    const cached = this.engines.get(dbName);
    if (cached) return cached;
    if (!(await this.options.known.has(dbName))) throw new UnknownDatabaseError(dbName);
    return this.get(dbName);
  }

  /** Drops an engine from the cache, unless a newer one already took its place. */
  private forget(dbName: string, engine: Promise<HostedEngine>): void {
    if (this.engines.get(dbName) === engine) this.engines.delete(dbName);
  }

  private async open(dbName: string, onClosed: () => void): Promise<HostedEngine> {
    await this.options.known.add(dbName);
    return this.options.createEngine({
      schema: this.options.schema,
      endpoint: this.options.endpoint,
      dbName,
      // Only when on: a factory of an older engine never sees an option it does not know.
      ...(this.options.spaces ? { spaces: true } : {}),
      onBroadcast: (message) => this.broadcast(dbName, message),
      onRetryLater: this.options.onRetryLater,
      onClosed,
    });
  }

  private broadcast(dbName: string, message: BroadcastMessage) {
    let channel = this.channels.get(dbName);
    if (!channel) {
      channel = new BroadcastChannel(broadcastChannelName(dbName));
      this.channels.set(dbName, channel);
    }
    channel.postMessage(message);
  }
}
