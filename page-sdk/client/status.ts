import {
  idleSyncStatus,
  PAGE_PROTOCOL_VERSION,
  type SyncStatus,
  type WorkerHello,
} from 'swsync/schema';
import { createSource, type Source } from '../live/subscribable.ts';
import type { ClientStatus, FallbackReason } from './types.ts';

const browserOnline = () => typeof navigator === 'undefined' || navigator.onLine;

const initialSync: SyncStatus = idleSyncStatus(browserOnline());

/**
 * Holds the client's status: the engine's `SyncStatus` (from its answers and broadcasts) merged
 * with what only the page knows (mode, handshake, protocol versions).
 */
export class StatusHolder {
  readonly source: Source<ClientStatus>;
  private value: ClientStatus;

  constructor() {
    this.value = {
      ...initialSync,
      mode: 'service-worker',
      fallbackReason: null,
      fallbackError: null,
      connected: false,
      protocol: { page: PAGE_PROTOCOL_VERSION, worker: null, action: null },
    };
    this.source = createSource(this.value);
  }

  get current(): ClientStatus {
    return this.value;
  }

  mode(mode: ClientStatus['mode'], reason: FallbackReason | null, error: string | null): void {
    this.set({ mode, fallbackReason: reason, fallbackError: error });
  }

  sync(status: SyncStatus): void {
    const mismatch = this.value.protocol.action !== null;
    // The engine does not know the page's protocol: keep the mismatch pause visible.
    this.set({
      ...status,
      online: status.online && browserOnline(),
      paused: mismatch ? 'version-mismatch' : status.paused,
    });
  }

  /**
   * The browser went on- or offline. The engine only notices at its next run, so the page
   * shows the browser's word at once; the engine's next status confirms it.
   */
  browserOnline(online: boolean): void {
    if (this.value.online !== online) this.set({ online });
  }

  handshake(hello: WorkerHello): void {
    const worker = hello.protocolVersion;
    const action =
      worker === PAGE_PROTOCOL_VERSION
        ? null
        : worker > PAGE_PROTOCOL_VERSION
          ? 'reload'
          : 'update-worker';
    this.set({
      connected: true,
      protocol: { page: PAGE_PROTOCOL_VERSION, worker, action },
      // A new handshake that matches lifts the pause an earlier mismatch set.
      ...(action
        ? { paused: 'version-mismatch' as const }
        : this.value.paused === 'version-mismatch'
          ? { paused: null }
          : {}),
    });
  }

  connected(connected: boolean): void {
    if (this.value.connected !== connected) this.set({ connected });
  }

  private set(change: Partial<ClientStatus>): void {
    this.value = { ...this.value, ...change };
    this.source.next(this.value);
  }
}
