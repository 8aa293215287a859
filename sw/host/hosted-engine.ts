import type { BroadcastMessage, Schema, SignOutResult, SyncStatus, Write } from 'swsync/schema';

/**
 * What the host needs of an engine. The engine satisfies it structurally, so the host and the
 * engine can change independently as long as this holds.
 */
export interface HostedEngine {
  write(writes: Write[], options: { mutationId: string }): Promise<unknown>;
  sync(reason?: string): Promise<unknown>;
  status(): Promise<SyncStatus>;
  outboxWritten(): void;
  setOnline(online: boolean): void;
  setHeaders(headers: Record<string, string> | undefined): void;
  resume(account: string): Promise<void>;
  signOut(): Promise<SignOutResult>;
  destroy(): Promise<void>;
  readonly clientId: string;
  readonly account: string | null;
}

export interface EngineFactoryOptions {
  schema: Schema;
  endpoint: string;
  dbName: string;
  /** `EngineOptions.spaces`; absent when off. */
  spaces?: boolean;
  onBroadcast(message: BroadcastMessage): void;
  onRetryLater(): void;
  /** The engine closed (e.g. another context upgraded its database): the host forgets it. */
  onClosed(): void;
}

export type EngineFactory = (options: EngineFactoryOptions) => Promise<HostedEngine>;
