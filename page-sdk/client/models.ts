import type { KeyValue } from 'swsync/schema';
import type { ReadCache } from '../live/read-cache.ts';
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
 * The read half of a model's API over the local database. `live`, for a live query's run:
 * `touched` collects the names of the models read (what the query watches), and reads go
 * through the query's cache, which keeps the previous run's results up to date.
 */
export function modelReader(
  schema: AnySchema,
  reader: LocalReader,
  name: string,
  live?: { touched: Set<string>; cache: ReadCache },
): ModelReader<never> {
  const model = schema.getModel(name);
  if (!model) throw new Error(`unknown model "${name}"`);
  const touch = () => live?.touched.add(name);
  const all = { field: model.key, range: undefined, direction: 'next', limit: undefined } as const;
  return {
    get: (key: KeyValue) => {
      touch();
      return (live ? live.cache.get(name, key) : reader.get(name, key)) as Promise<never>;
    },
    list: () => {
      touch();
      return (live ? live.cache.range(name, model.key, all) : reader.list(name)) as Promise<
        never[]
      >;
    },
    where: (field: string) => {
      touch();
      return createQuery(field, (range) =>
        live ? live.cache.range(name, model.key, range) : reader.query(name, model.key, range),
      );
    },
  } as unknown as ModelReader<never>;
}
