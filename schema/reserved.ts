/**
 * Model names no schema may use: each model gets an IndexedDB store named like it, and these
 * are the engine's own stores (`sw/store/layout.ts`, whose test keeps the two lists equal).
 */
export const RESERVED_MODEL_NAMES: readonly string[] = [
  'outbox',
  'base',
  'meta',
  'versions',
  'receipts',
  'resync',
];
