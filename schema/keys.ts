import type { KeyValue, Model } from './model.ts';
import type { KeyPath } from './protocol.ts';

/** The key value of a record, or undefined when the record has none of the right type. */
export function keyOf(model: Model, record: Record<string, unknown>): KeyValue | undefined {
  const value = record[model.key];
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/** The wire key path of a key value. Keys are single fields, so the path has one member. */
export function keyPathOf(key: KeyValue): KeyPath {
  return [key];
}

/** The key value a wire key path names, or undefined when the path is not a single key. */
export function keyFromPath(path: KeyPath): KeyValue | undefined {
  return path.length === 1 ? path[0] : undefined;
}
