import type { LocalReader } from '../store/local-reader.ts';
import { createQuery } from '../store/query.ts';
import type { AnySchema, ModelReader } from './types.ts';

/** Names a model may not have: they are the client's own methods. */
export const RESERVED_NAMES = new Set([
  'transaction',
  'liveQuery',
  'status',
  'on',
  'syncNow',
  'setHeaders',
  'signOut',
  'forget',
  'close',
  'then',
]);

/**
 * The read half of a model's API over the local database. `touched`, when given, collects the
 * names of the models read, which is how a live query learns what to watch.
 */
export function modelReader(
  schema: AnySchema,
  reader: LocalReader,
  name: string,
  touched?: Set<string>,
): ModelReader<never> {
  const model = schema.getModel(name);
  if (!model) throw new Error(`unknown model "${name}"`);
  const touch = () => touched?.add(name);
  return {
    get: (key: unknown) => {
      touch();
      return reader.get(name, key as string) as Promise<never>;
    },
    list: () => {
      touch();
      return reader.list(name) as Promise<never[]>;
    },
    where: (field: string) => {
      touch();
      return createQuery(field, (range) => reader.query(name, model.key, range));
    },
  } as unknown as ModelReader<never>;
}
