export { type IndexRange, LocalReader } from './local-reader.ts';
export { createQuery, type Query, type RunQuery } from './query.ts';
