export { type CreateClientOptions, createClient } from './create-client.ts';
export type {
  ClientEvents,
  ClientMethods,
  ClientModels,
  ClientStatus,
  FallbackReason,
  ModelClient,
  ModelReader,
  ModelTransaction,
  ProtocolState,
  ReadModels,
  SyncClient,
  TransactionModels,
} from './types.ts';
