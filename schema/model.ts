import * as z from 'zod/mini';
import type * as core from 'zod/v4/core';
import { fieldsIssue } from './check-model.ts';
import { SchemaError } from './errors.ts';
import { declaredKeysOnly } from './own-keys.ts';
import { strictNested } from './strict-nested.ts';

/** How concurrent writes to one record are resolved on the server. */
export type ConflictRule = 'lww' | 'version';

/** What deleting a parent does to its children. */
export type OnDelete = 'cascade' | 'restrict';

/**
 * A model's fields: a zod object whose output is a plain record, from classic zod
 * (`z.object()`) or `zod/mini` (`z.object()` too: the smaller worker).
 */
export type Fields = core.$ZodObject<core.$ZodShape> & { readonly shape: core.$ZodShape };

/** Names of a model's declared fields. */
export type FieldName<F extends Fields> = Extract<keyof core.output<F>, string>;

/** A record key value: what `entityKeyPath` carries. */
export type KeyValue = string | number;

export interface ParentRule<F extends Fields> {
  /** Name of the parent model in the same schema. */
  model: string;
  /** Field of this model holding the parent's key. */
  field: FieldName<F>;
  /** Default `'cascade'`. */
  onDelete?: OnDelete;
}

interface ModelOptionsBase<
  F extends Fields,
  K extends FieldName<F>,
  I extends FieldName<F> = FieldName<F>,
> {
  fields: F;
  /** The field whose value identifies a record; unique per model across all scopes. */
  key: K;
  /** Fields indexed in the local store, for queries by equality and range. */
  indexes?: readonly I[];
  /** Default `'lww'`: field-level last-writer-wins by server arrival. */
  conflict?: ConflictRule;
}

/**
 * Either a root (`scope`: the field that must equal the caller's scope) or a child (`parent`):
 * its scope is its parent's, followed up the chain to a root.
 */
export type ModelOptions<
  F extends Fields,
  K extends FieldName<F>,
  I extends FieldName<F> = FieldName<F>,
> = ModelOptionsBase<F, K, I> &
  ({ scope: FieldName<F>; parent?: never } | { parent: ParentRule<F>; scope?: never });

export type Ownership =
  | { kind: 'root'; scopeField: string }
  | { kind: 'child'; parentModel: string; parentField: string; onDelete: OnDelete };

/** A declared model. Build it with {@link model}; every type below is inferred from `fields`. */
export interface Model<
  F extends Fields = Fields,
  K extends string = string,
  I extends string = string,
> {
  readonly fields: F;
  readonly key: K;
  readonly indexes: readonly I[];
  readonly conflict: ConflictRule;
  readonly ownership: Ownership;
  /**
   * `fields` rejecting undeclared own keys (`__proto__` too), at the top and in every nested
   * `z.object()` (see strictNested): what a create must satisfy.
   */
  readonly recordSchema: z.ZodMiniType<core.output<F>>;
  /** Every field optional, undeclared fields rejected (nested too): what an update must satisfy. */
  readonly patchSchema: z.ZodMiniType<Partial<core.output<F>>>;
}

/** The stored record of a model. */
export type RecordOf<M extends Model> = core.output<M['fields']>;
/** What `create` accepts (the full record). */
export type CreateInput<M extends Model> = core.input<M['fields']>;
/** What `update` accepts: any subset of the fields but the key. */
export type Patch<M extends Model> = Partial<Omit<core.input<M['fields']>, M['key']>>;
/** The type of a model's key field. */
export type KeyOf<M extends Model> = RecordOf<M>[M['key']];
/** Fields a local query may use: the key and the declared indexes. */
export type QueryableField<M extends Model> = M['key'] | M['indexes'][number];

/**
 * Declares a model. Throws a `SchemaError` when `fields` is not a `z.object()` or when both
 * `scope` and `parent` are set (a model's scope is its own field or its parent's, not both);
 * `defineSchema` checks the rest, naming the model.
 *
 * @example
 * const Todo = model({
 *   fields: z.object({ id: z.string(), boardId: z.string(), title: z.string() }),
 *   key: 'id',
 *   parent: { model: 'Board', field: 'boardId', onDelete: 'cascade' },
 *   indexes: ['boardId'],
 * });
 */
export function model<
  F extends Fields,
  const K extends FieldName<F>,
  const I extends FieldName<F> = never,
>(options: ModelOptions<F, K, I>): Model<F, K, I> {
  // Both reachable from untyped code (or a cast) only.
  const notFields = fieldsIssue(options.fields);
  if (notFields) throw new SchemaError(`model with key "${options.key}": ${notFields}`);
  if (options.parent !== undefined && options.scope !== undefined) {
    throw new SchemaError(
      `model with key "${options.key}": set scope (a root model) or parent (a child model), not both`,
    );
  }
  const ownership: Ownership =
    options.parent !== undefined
      ? {
          kind: 'child',
          parentModel: options.parent.model,
          parentField: options.parent.field,
          onDelete: options.parent.onDelete ?? 'cascade',
        }
      : { kind: 'root', scopeField: options.scope };
  // Nested objects refuse undeclared keys as the top level does, instead of dropping them.
  // Typed as zod/mini's object for its functions, which take any zod object (classic too) and
  // return the same kind: `zod/mini` types have no `.strict()` or `.partial()` methods.
  const strictFields = strictNested(options.fields) as unknown as z.ZodMiniObject;
  const refuseOthers = (fields: z.ZodMiniObject) => z.catchall(fields, z.never());
  return {
    fields: options.fields,
    key: options.key,
    indexes: [...(options.indexes ?? [])],
    conflict: options.conflict ?? 'lww',
    ownership,
    // Own keys are checked on the input itself: strictness must not depend on how the object
    // schema looks keys up (see undeclaredKeys).
    recordSchema: z.pipe(
      declaredKeysOnly(options.fields.shape),
      refuseOthers(strictFields),
    ) as unknown as z.ZodMiniType<core.output<F>>,
    patchSchema: z.pipe(
      declaredKeysOnly(options.fields.shape),
      refuseOthers(z.partial(strictFields)),
    ) as unknown as z.ZodMiniType<Partial<core.output<F>>>,
  };
}
