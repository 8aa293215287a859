export { decodeChangelogId, encodeChangelogId, parseCursor } from './cursor.ts';
export {
  DEFAULT_RETENTION_MS,
  type PurgeTombstonesOptions,
  purgeTombstones,
  type SchedulePurgeOptions,
  schedulePurge,
} from './purge.ts';
