export {
  defaultPageEngine,
  type EngineRpcOptions,
  engineRpc,
  type PageEngine,
} from './engine-rpc.ts';
export { engineLockName, type PageHost, type PageHostOptions, pageHost } from './page-host.ts';
