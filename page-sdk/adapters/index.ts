export { type ExternalStore, type Readable, toExternalStore, toSvelteStore } from './stores.ts';
