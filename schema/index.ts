export * from './errors.ts';
export * from './keys.ts';
export * from './model.ts';
export * from './page-protocol.ts';
export * from './protocol.ts';
export * from './reserved.ts';
export * from './schema.ts';
