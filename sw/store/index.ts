export * from './layout.ts';
export * from './open.ts';
