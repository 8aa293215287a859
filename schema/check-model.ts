import type { $ZodType } from 'zod/v4/core';
import { SchemaError } from './errors.ts';
import { mayBeMissing, mayHold, typeLabel } from './field-kinds.ts';
import { jsonIssue } from './json-fields.ts';
import type { ConflictRule, Fields, Model, OnDelete } from './model.ts';
import { RESERVED_MODEL_NAMES } from './reserved.ts';
import { maybeDefOf } from './zod-def.ts';

const CONFLICT_RULES: readonly ConflictRule[] = ['lww', 'version'];
const ON_DELETE_RULES: readonly OnDelete[] = ['cascade', 'restrict'];

/**
 * What `fields` is instead of a `z.object()`, or null when it is one. Types forbid the rest;
 * this is for JavaScript callers and casts, whose mistake would otherwise surface as a
 * `TypeError` deep inside the engine.
 */
export function fieldsIssue(fields: unknown): string | null {
  const def = maybeDefOf(fields);
  if (def?.type === 'object') return null;
  const got = def
    ? `z.${def.type}()`
    : typeof fields === 'object' && fields !== null
      ? 'a plain object (wrap it: z.object({ ... }))'
      : String(fields);
  return `fields must be z.object({ ... }) listing the record's fields; got ${got}`;
}

/**
 * Throws a `SchemaError` naming the model and what to change when a declaration cannot work:
 * an empty or reserved name, `fields` not a `z.object()`, a key or index that is no field, a
 * key that may be missing or is neither string nor number, a scope field that cannot hold an
 * account id (a string) or may be missing, a field JSON cannot carry, an unknown `conflict` or `onDelete`, or an ownership
 * that names no field or an undeclared parent.
 *
 * @example
 * checkModel('Board', Board, { Board }); // throws 'Board: scope "ownerId" is not a field' when it is not
 */
export function checkModel(name: string, m: Model, models: Record<string, Model>): void {
  // The name travels as `entityType` and names a local store: messages need it to say something.
  if (name.trim() === '') throw new SchemaError('a model name must not be empty');
  if (RESERVED_MODEL_NAMES.includes(name)) {
    throw new SchemaError(
      `model name "${name}" is reserved for the local store; rename the model (reserved: ${RESERVED_MODEL_NAMES.join(', ')})`,
    );
  }
  const notFields = fieldsIssue(m.fields);
  if (notFields) throw new SchemaError(`${name}: ${notFields}`);
  const shape = m.fields.shape;
  const has = (field: string) => Object.hasOwn(shape, field);
  if (!has(m.key)) throw new SchemaError(`${name}: key "${m.key}" is not a field`);
  const keyType = shape[m.key] as $ZodType;
  const missing = mayBeMissing(keyType);
  if (missing) {
    throw new SchemaError(
      `${name}: key "${m.key}" must always hold a value; its type ${typeLabel(keyType)} accepts ${missing}`,
    );
  }
  if (!mayHold(keyType, 'string') && !mayHold(keyType, 'number')) {
    throw new SchemaError(
      `${name}: key "${m.key}" must be a string or number field; got ${typeLabel(keyType)}`,
    );
  }
  // Records travel as JSON: a field JSON cannot carry would block the outbox or come back changed.
  for (const [field, type] of Object.entries(shape)) {
    const issue = jsonIssue(type as $ZodType);
    if (issue) throw new SchemaError(`${name}.${field}: ${issue}`);
  }
  for (const index of m.indexes) {
    if (!has(index)) throw new SchemaError(`${name}: index "${index}" is not a field`);
  }
  if (!CONFLICT_RULES.includes(m.conflict)) {
    throw new SchemaError(
      `${name}: conflict ${JSON.stringify(m.conflict)} is not a rule; use 'lww' (the default) or 'version'`,
    );
  }
  if (m.ownership.kind === 'root') {
    checkRoot(name, m.fields, m.ownership.scopeField);
    return;
  }
  if (!ON_DELETE_RULES.includes(m.ownership.onDelete)) {
    throw new SchemaError(
      `${name}: parent onDelete ${JSON.stringify(m.ownership.onDelete)} is not a rule; use 'cascade' (the default) or 'restrict'`,
    );
  }
  if (!has(m.ownership.parentField)) {
    throw new SchemaError(`${name}: parent field "${m.ownership.parentField}" is not a field`);
  }
  if (!Object.hasOwn(models, m.ownership.parentModel)) {
    throw new SchemaError(`${name}: parent model "${m.ownership.parentModel}" is not declared`);
  }
}

function checkRoot(name: string, fields: Fields, scopeField: string | undefined): void {
  // Only reachable from untyped code: `model()`'s type demands one of the two.
  if (scopeField === undefined) {
    throw new SchemaError(
      `${name}: neither scope nor parent is set; give a root model \`scope: '<field holding the owner's id>'\` or a child model \`parent: { model: '<Parent>', field: '<field holding its key>' }\``,
    );
  }
  if (!Object.hasOwn(fields.shape, scopeField)) {
    throw new SchemaError(`${name}: scope "${scopeField}" is not a field`);
  }
  // The server compares the field with the caller's scope, a string (what `auth` returns).
  const scopeType = fields.shape[scopeField] as $ZodType;
  if (!mayHold(scopeType, 'string')) {
    throw new SchemaError(
      `${name}: scope "${scopeField}" must be a string field (the owner's account id); got ${typeLabel(scopeType)}`,
    );
  }
  // A record without its owner would be stored nameless here and in every copy of it.
  const missing = mayBeMissing(scopeType);
  if (missing) {
    throw new SchemaError(
      `${name}: scope "${scopeField}" must always hold the owner's id; its type ${typeLabel(scopeType)} accepts ${missing}`,
    );
  }
}
