import {
  jsonValueIssue,
  type KeyValue,
  keyOf,
  type Model,
  type Schema,
  type Write,
} from 'swsync/schema';
import type { ZodMiniType } from 'zod/mini';
import { UnknownModelError, type ValidationIssue, WriteValidationError } from '../errors.ts';

/** A write that passed its model's schema: what the write path applies. */
export type CheckedWrite =
  | { op: 'create'; model: string; key: KeyValue; record: Record<string, unknown> }
  | { op: 'update'; model: string; key: KeyValue; patch: Record<string, unknown> }
  | { op: 'delete'; model: string; key: KeyValue };

/** The model a write names, or a typed error. */
export function modelOf(schema: Schema, name: string): Model {
  const model = schema.getModel(name);
  if (!model) throw new UnknownModelError(name);
  return model;
}

/**
 * Checks a write against its model before anything touches the store. An update's patch is
 * checked alone here and again merged with the current record inside the transaction.
 */
export function checkWrite(schema: Schema, write: Write): CheckedWrite {
  const model = modelOf(schema, write.model);
  switch (write.op) {
    case 'create': {
      const record = parse(write.model, model.recordSchema, write.record);
      const key = keyOf(model, record);
      if (key === undefined) {
        throw new WriteValidationError(write.model, [
          { path: [model.key], message: 'missing key' },
        ]);
      }
      return { op: 'create', model: write.model, key, record };
    }
    case 'update': {
      checkKey(write.model, model, write.key);
      const patch = parse(write.model, model.patchSchema, write.patch);
      if (model.key in patch && patch[model.key] !== write.key) {
        throw new WriteValidationError(write.model, [
          { path: [model.key], message: 'the key of a record cannot change' },
        ]);
      }
      return { op: 'update', model: write.model, key: write.key, patch };
    }
    case 'delete':
      checkKey(write.model, model, write.key);
      return { op: 'delete', model: write.model, key: write.key };
    default:
      throw new WriteValidationError(String((write as { model?: unknown }).model), [
        { path: ['op'], message: 'unknown operation' },
      ]);
  }
}

/** Validates a full record (a create, or an update merged with the current record). */
export function parseRecord(model: Model, name: string, value: unknown): Record<string, unknown> {
  return parse(name, model.recordSchema, value);
}

function parse(name: string, schema: ZodMiniType, value: unknown): Record<string, unknown> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
      message: issue.message,
    }));
    throw new WriteValidationError(name, issues);
  }
  // The model's types were checked at defineSchema; `z.any()`/`z.custom()` fields were not.
  const notJson = jsonValueIssue(result.data);
  if (notJson) throw new WriteValidationError(name, [notJson]);
  return result.data as Record<string, unknown>;
}

function checkKey(name: string, model: Model, key: unknown): void {
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw new WriteValidationError(name, [{ path: [model.key], message: 'invalid key' }]);
  }
}
