export type { EngineFactory, EngineFactoryOptions, HostedEngine } from './hosted-engine.ts';
export { type InstallSyncWorkerOptions, installSyncWorker } from './install.ts';
export { type RpcScope, type ServeRpcOptions, serveRpc } from './rpc-endpoint.ts';
export { createSyncHost, type SyncHost, type SyncHostOptions } from './sync-host.ts';
