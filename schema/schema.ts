import { SchemaError } from './errors.ts';
import { jsonIssue } from './json-fields.ts';
import type { Model, OnDelete } from './model.ts';
import { RESERVED_MODEL_NAMES } from './reserved.ts';

export type Models = Record<string, Model>;

/** A child relation as seen from the parent. */
export interface ChildRelation {
  model: string;
  field: string;
  onDelete: OnDelete;
}

/** A validated set of models, shared by worker, page and server. */
export interface Schema<M extends Models = Models> {
  readonly models: M;
  readonly modelNames: readonly string[];
  /** Changes whenever the local store's shape (models, keys, indexes, ownership) changes. */
  readonly hash: string;
  /** Models whose parent is `name`, for cascades and restrict checks. */
  childrenOf(name: string): readonly ChildRelation[];
  /** Model names from `name` up to its root: `['Todo', 'Board']`. */
  ownershipChain(name: string): readonly string[];
  getModel(name: string): Model | undefined;
}

/**
 * Validates and freezes a set of models.
 *
 * @example
 * const schema = defineSchema({ Board, Todo });
 * schema.ownershipChain('Todo'); // ['Todo', 'Board']
 */
export function defineSchema<M extends Models>(models: M): Schema<M> {
  const names = Object.keys(models);
  if (names.length === 0) throw new SchemaError('a schema needs at least one model');
  for (const name of names) checkModel(name, models[name]!, models);

  const children = new Map<string, ChildRelation[]>();
  for (const name of names) {
    const { ownership } = models[name]!;
    if (ownership.kind !== 'child') continue;
    const list = children.get(ownership.parentModel) ?? [];
    list.push({ model: name, field: ownership.parentField, onDelete: ownership.onDelete });
    children.set(ownership.parentModel, list);
  }

  const chains = new Map<string, string[]>();
  for (const name of names) chains.set(name, resolveChain(name, models));

  return Object.freeze({
    models,
    modelNames: names,
    hash: hashSchema(models),
    childrenOf: (name: string) => children.get(name) ?? [],
    ownershipChain: (name: string) => {
      const chain = chains.get(name);
      if (!chain) throw new SchemaError(`unknown model "${name}"`);
      return chain;
    },
    getModel: (name: string) => (Object.hasOwn(models, name) ? models[name] : undefined),
  });
}

function checkModel(name: string, m: Model, models: Models): void {
  if (RESERVED_MODEL_NAMES.includes(name)) {
    throw new SchemaError(
      `model name "${name}" is reserved for the local store; rename the model (reserved: ${RESERVED_MODEL_NAMES.join(', ')})`,
    );
  }
  const shape = m.fields.shape;
  const has = (field: string) => Object.hasOwn(shape, field);
  if (!has(m.key)) throw new SchemaError(`${name}: key "${m.key}" is not a field`);
  // Records travel as JSON: a field JSON cannot carry would block the outbox or come back changed.
  for (const [field, type] of Object.entries(shape)) {
    const issue = jsonIssue(type as never);
    if (issue) throw new SchemaError(`${name}.${field}: ${issue}`);
  }
  for (const index of m.indexes) {
    if (!has(index)) throw new SchemaError(`${name}: index "${index}" is not a field`);
  }
  if (m.ownership.kind === 'root') {
    // Only reachable from untyped code: `model()`'s type demands one of the two.
    if (m.ownership.scopeField === undefined) {
      throw new SchemaError(
        `${name}: neither scope nor parent is set; give a root model \`scope: '<field holding the owner's id>'\` or a child model \`parent: { model: '<Parent>', field: '<field holding its key>' }\``,
      );
    }
    if (!has(m.ownership.scopeField)) {
      throw new SchemaError(`${name}: scope "${m.ownership.scopeField}" is not a field`);
    }
    return;
  }
  if (!has(m.ownership.parentField)) {
    throw new SchemaError(`${name}: parent field "${m.ownership.parentField}" is not a field`);
  }
  if (!Object.hasOwn(models, m.ownership.parentModel)) {
    throw new SchemaError(`${name}: parent model "${m.ownership.parentModel}" is not declared`);
  }
}

function resolveChain(name: string, models: Models): string[] {
  const chain = [name];
  let current = models[name]!;
  while (current.ownership.kind === 'child') {
    const parent = current.ownership.parentModel;
    if (chain.includes(parent)) {
      throw new SchemaError(`ownership cycle: ${[...chain, parent].join(' -> ')}`);
    }
    chain.push(parent);
    current = models[parent]!;
  }
  return chain;
}

function hashSchema(models: Models): string {
  const shape = Object.keys(models)
    .sort()
    .map((name) => {
      const m = models[name]!;
      return [name, m.key, [...m.indexes].sort(), m.ownership, Object.keys(m.fields.shape).sort()];
    });
  return fnv1a(JSON.stringify(shape));
}

/** 32-bit FNV-1a: synchronous and identical in every runtime, which crypto.subtle is not. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
