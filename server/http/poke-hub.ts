import { encodeChangelogId } from '../changelog/cursor.ts';
import { POKE_CHANNEL, type SyncStore } from '../store/types.ts';

/** Receives the cursor of each commit that touched the subscribed scope. */
export type PokeListener = (cursor: string) => void;

/**
 * Fans the store's `swsync_poke` notifications out to the SSE clients of this process, by scope.
 *
 * Invariants: at most ONE `store.listen` per hub whatever the number of clients (a PostgreSQL
 * LISTEN holds a connection); it starts with the first subscriber and stops after the last one
 * leaves, so an idle server holds no listening connection and nothing leaks per client.
 * NOTIFY goes through the database, so commits made by any instance reach every instance's hub.
 * When the store has to LISTEN again on a new connection, every subscriber is poked once, as
 * commits made in between were never notified.
 */
export class PokeHub {
  readonly #store: SyncStore;
  readonly #byScope = new Map<string, Set<PokeListener>>();
  #subscribers = 0;
  #listening: Promise<() => Promise<void>> | undefined;
  // A stop in flight: a new LISTEN waits for it, so listen/unlisten never interleave.
  #stopping: Promise<void> = Promise.resolve();

  constructor(store: SyncStore) {
    this.#store = store;
  }

  /** Number of subscribed listeners (for tests and metrics). */
  get size(): number {
    return this.#subscribers;
  }

  /** Whether the hub currently holds a LISTEN. */
  get isListening(): boolean {
    return this.#listening !== undefined;
  }

  /**
   * Subscribes `listener` to pokes of `scope`; resolves once the LISTEN is active, so no commit
   * after that moment is missed. The returned function unsubscribes (idempotent).
   */
  async subscribe(scope: string, listener: PokeListener): Promise<() => void> {
    let set = this.#byScope.get(scope);
    if (!set) {
      set = new Set();
      this.#byScope.set(scope, set);
    }
    // A wrapper per subscription: the same function may subscribe twice.
    const entry: PokeListener = (cursor) => listener(cursor);
    set.add(entry);
    this.#subscribers++;
    let active = true;
    const unsubscribe = () => {
      if (!active) return;
      active = false;
      const current = this.#byScope.get(scope);
      current?.delete(entry);
      if (current?.size === 0) this.#byScope.delete(scope);
      this.#subscribers--;
      if (this.#subscribers === 0) this.#stop();
    };
    try {
      await this.#ensureListening();
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  #ensureListening(): Promise<unknown> {
    if (!this.#listening) {
      const listening = this.#stopping.then(() =>
        this.#store.listen(
          POKE_CHANNEL,
          (payload) => this.#dispatch(payload),
          () => void this.#pokeEveryone(),
        ),
      );
      this.#listening = listening;
      // A failed LISTEN is forgotten so that the next subscriber tries again.
      listening.catch(() => {
        if (this.#listening === listening) this.#listening = undefined;
      });
    }
    return this.#listening;
  }

  #stop(): void {
    const listening = this.#listening;
    if (!listening) return;
    this.#listening = undefined;
    this.#stopping = listening.then(
      (unlisten) => unlisten().catch(() => {}),
      () => {},
    );
  }

  #dispatch(payload: string): void {
    const notice = parseNotice(payload);
    if (notice) this.#poke(notice.key, notice.cursor);
  }

  #poke(scope: string, cursor: string): void {
    const listeners = this.#byScope.get(scope);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(cursor);
      } catch {
        // One broken client stream must not starve the others.
      }
    }
  }

  /**
   * The store had to LISTEN again: commits made while it was not listening were never poked.
   * Every subscriber gets one poke, with its scope's head as the cursor, and pulls what it
   * missed (clients pull on any poke). Should reading the heads fail too, the poke still goes
   * out: its cursor is then the scope's start, which is no less true of what to pull.
   */
  async #pokeEveryone(): Promise<void> {
    const keys = [...this.#byScope.keys()];
    if (keys.length === 0) return;
    const scopes = keys.filter((key) => !key.startsWith(ACCOUNT_KEY_PREFIX));
    const heads = new Map<string, number>();
    try {
      const rows = await this.#store.query<{ scope: string; seq: number | string }>(
        `SELECT scope, seq FROM swsync_scopes
          WHERE scope IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
        [scopes],
      );
      for (const row of rows) heads.set(row.scope, Number(row.seq));
    } catch {
      // See above: poke anyway.
    }
    for (const key of keys) this.#poke(key, encodeChangelogId(heads.get(key) ?? 0));
  }
}

/**
 * Subscription keys of account notices (membership changes): a NUL can never be part of a
 * scope (PostgreSQL text holds none), so these never collide with a scope's key.
 */
const ACCOUNT_KEY_PREFIX = '\u0000account:';

/** The hub key under which `account`'s membership changes are poked. */
export const accountPokeKey = (account: string) => `${ACCOUNT_KEY_PREFIX}${account}`;

/** A notice's subscription key: its scope, or its account's key for a membership change. */
function parseNotice(payload: string): { key: string; cursor: string } | undefined {
  try {
    const value = JSON.parse(payload) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { scope, account, cursor } = value as Record<string, unknown>;
    if (typeof cursor !== 'string') return undefined;
    if (typeof scope === 'string') return { key: scope, cursor };
    if (typeof account === 'string') return { key: accountPokeKey(account), cursor };
    return undefined;
  } catch {
    return undefined;
  }
}

const hubs = new WeakMap<SyncStore, PokeHub>();

/**
 * The process-wide hub of `store`: every `syncRoutes` on the same store shares one LISTEN.
 *
 * @example
 * const stop = await pokeHubFor(store).subscribe('user-1', (cursor) => console.log(cursor));
 */
export function pokeHubFor(store: SyncStore): PokeHub {
  let hub = hubs.get(store);
  if (!hub) {
    hub = new PokeHub(store);
    hubs.set(store, hub);
  }
  return hub;
}
