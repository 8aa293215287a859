export { engineLockName, type PageHost, type PageHostOptions, pageHost } from './page-host.ts';
