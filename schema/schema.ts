import { checkModel } from './check-model.ts';
import { SchemaError } from './errors.ts';
import type { Model, OnDelete } from './model.ts';

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
  /**
   * Changes whenever the local store's shape (models, keys, indexes, ownership, fields) or a
   * model's turn to version-checked changes; the local database then resyncs.
   */
  readonly hash: string;
  /**
   * `hash` plus what the models accept (each model's `fields` definition: types, checks and
   * their limits, patterns, formats, optional fields), e.g. `'d63bb72c.6bb28f50'`. A page
   * writes its own changes only where the worker's schema has the same fingerprint; otherwise
   * the worker checks them with its schema. A change to a custom refinement's code alone does
   * not change it (the server's check still applies). Computed on first use.
   */
  readonly fingerprint: string;
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

  const hash = hashSchema(models);
  let fingerprint: string | undefined;
  return Object.freeze({
    models,
    modelNames: names,
    hash,
    get fingerprint() {
      fingerprint ??= fingerprintSchema(hash, models);
      return fingerprint;
    },
    childrenOf: (name: string) => children.get(name) ?? [],
    ownershipChain: (name: string) => {
      const chain = chains.get(name);
      if (!chain) throw new SchemaError(`unknown model "${name}"`);
      return chain;
    },
    getModel: (name: string) => (Object.hasOwn(models, name) ? models[name] : undefined),
  });
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
      const fields = Object.keys(m.fields.shape).sort();
      const entry = [name, m.key, [...m.indexes].sort(), m.ownership, fields];
      // A first sync keeps versions only for version-checked models (sw/sync/pull.ts), so a
      // model turning version-checked must resync; last-writer-wins models hash as before.
      return m.conflict === 'version' ? [...entry, 'version'] : entry;
    });
  return fnv1a(JSON.stringify(shape));
}

function fingerprintSchema(hash: string, models: Models): string {
  const accepted = Object.keys(models)
    .sort()
    .map((name) => [name, definitionOf(models[name]!.fields, [])]);
  return `${hash}.${fnv1a(JSON.stringify(accepted))}`;
}

/**
 * What a zod schema accepts, as plain data: its definition (`_zod.def`: types, checks with
 * their limits, patterns, formats, shapes, options), walked into sorted JSON. Functions (custom
 * refinements, error maps) count only as present; a schema met again inside itself (a
 * recursive one) as a cycle.
 */
function definitionOf(value: unknown, path: object[]): unknown {
  if (typeof value === 'function') return 'fn';
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  if (path.includes(value)) return 'cycle';
  const inner = [...path, value];
  const zod = (value as { _zod?: { def?: unknown } })._zod;
  if (zod?.def) return definitionOf(zod.def, inner);
  if (Array.isArray(value)) return value.map((item) => definitionOf(item, inner));
  return Object.keys(value)
    .sort()
    .map((key) => [key, definitionOf((value as Record<string, unknown>)[key], inner)]);
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
