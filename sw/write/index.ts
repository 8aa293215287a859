export * from './apply-writes.ts';
export * from './validate.ts';
