export * from './errors.ts';
export * from './json-fields.ts';
export * from './keys.ts';
export * from './model.ts';
export * from './own-keys.ts';
export * from './page-protocol.ts';
export * from './protocol.ts';
export * from './schema.ts';
