import { jsonValueIssue, type KeyValue, type Model, type Write } from 'swsync/schema';
import { ValidationError } from '../errors.ts';
import type { AnySchema } from './types.ts';

function parse<T>(
  schema: Model['recordSchema'] | Model['patchSchema'],
  name: string,
  input: unknown,
) {
  const result = schema.safeParse(input);
  // What JSON or the server's text cannot hold (a NUL character, a lone surrogate, a value in a
  // `z.any()` field JSON drops): refused here as the worker would, naming the field.
  const notJson = result.success ? jsonValueIssue(result.data) : null;
  if (result.success && !notJson) return result.data as T;
  const issues = result.success
    ? [notJson!]
    : result.error.issues.map((i) => ({ path: i.path, message: i.message }));
  const first = issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  throw new ValidationError(`${name}: ${where}${first?.message ?? 'invalid'}`, name, issues);
}

function modelOf(schema: AnySchema, name: string): Model {
  const model = schema.getModel(name);
  if (!model) throw new ValidationError(`unknown model "${name}"`, name, []);
  return model;
}

function checkKey(name: string, key: unknown): KeyValue {
  if (typeof key === 'string' || typeof key === 'number') return key;
  throw new ValidationError(`${name}: a key must be a string or a number`, name, []);
}

/**
 * Builds the wire `Write`s of a page's calls, validated with the zod model first, so an invalid
 * record never reaches the worker or the server. A patch may not change the key.
 */
export function createWrite(schema: AnySchema, name: string, record: unknown) {
  const model = modelOf(schema, name);
  const parsed = parse<Record<string, unknown>>(model.recordSchema, name, record);
  const write: Write = { op: 'create', model: name, record: parsed };
  return { write, record: parsed };
}

export function updateWrite(schema: AnySchema, name: string, key: unknown, patch: unknown): Write {
  const model = modelOf(schema, name);
  const parsed = parse<Record<string, unknown>>(model.patchSchema, name, patch);
  if (Object.hasOwn(parsed, model.key) && parsed[model.key] !== key) {
    throw new ValidationError(`${name}: an update cannot change the key "${model.key}"`, name, [
      { path: [model.key], message: 'the key cannot change' },
    ]);
  }
  return { op: 'update', model: name, key: checkKey(name, key), patch: parsed };
}

export function deleteWrite(schema: AnySchema, name: string, key: unknown): Write {
  modelOf(schema, name);
  return { op: 'delete', model: name, key: checkKey(name, key) };
}
