export { type CreateClientOptions, createClient } from './create-client.ts';
export type {
  AnySchema,
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
