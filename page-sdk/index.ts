export {
  type ExternalStore,
  type Readable,
  toExternalStore,
  toSvelteStore,
} from './adapters/index.ts';
export * from './client/index.ts';
export * from './errors.ts';
export {
  engineLockName,
  type PageEngineOptions,
  type PageHost,
  type PageHostOptions,
  pageEngine,
  pageHost,
} from './fallback/index.ts';
export type { Subscribable } from './live/index.ts';
export { type PokeReason, realtimeLockName, startRealtime } from './realtime/index.ts';
export type { Query } from './store/index.ts';
export {
  type ReinstallOptions,
  RpcConnection,
  serviceWorkerTransport,
  type Transport,
  type WorkerEndpointOptions,
  workerEndpoint,
} from './transport/index.ts';
