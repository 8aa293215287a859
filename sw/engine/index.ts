export * from './create-engine.ts';
export type { EngineOptions } from './options.ts';
export * from './types.ts';
