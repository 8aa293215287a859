export * from './backoff.ts';
export * from './context.ts';
export * from './http.ts';
export * from './pull.ts';
export * from './push.ts';
export * from './replay.ts';
