export { type PageEngineOptions, pageEngine } from './engine-rpc.ts';
export { engineLockName, type PageHost, type PageHostOptions, pageHost } from './page-host.ts';
