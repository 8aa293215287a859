export { decodeChangelogId, encodeChangelogId, parseCursor } from './cursor.ts';
export {
  DEFAULT_RETENTION_MS,
  type PurgeTombstonesOptions,
  purgeTombstones,
} from './purge.ts';
