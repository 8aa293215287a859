export * from './apply-writes.ts';
export * from './cascade.ts';
export * from './receipts.ts';
export * from './validate.ts';
