export * from './apply-writes.ts';
export * from './receipts.ts';
export * from './validate.ts';
