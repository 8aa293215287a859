import * as z from 'zod/mini';
import { clone, type $ZodType as ZodType } from 'zod/v4/core';
import { defOf, type ZodDef } from './zod-def.ts';

// Core's clone, not a method: the app's types may be classic zod or zod/mini.
const cloneWith = (type: ZodType, changes: Partial<ZodDef>): ZodType =>
  clone(type, { ...defOf(type), ...changes } as never);

/** Wrappers whose only child is `innerType`: what they accept is what their inner type does. */
const WRAPPERS = new Set([
  'optional',
  'nullable',
  'default',
  'prefault',
  'readonly',
  'catch',
  'nonoptional',
]);

/**
 * A copy of `type` in which every object that would silently strip undeclared keys (a plain
 * `z.object()`, zod's default) refuses them instead, however deep it sits: inside objects,
 * arrays, records, tuples, unions, optional/nullable/default wrappers, the input side of pipes,
 * and lazy (recursive) types. Objects that chose what to do with unknown keys
 * (`z.looseObject()`, `.catchall()`, `.strict()`) keep their choice; the parts of an
 * intersection stay as they are, since each part sees the keys of the other.
 *
 * Why: a client sending a nested field the model does not declare must get a validation error
 * naming the path, not have the field dropped without a word (data loss).
 * Refinements, defaults and messages are kept (each type is cloned with its own definition).
 *
 * @example
 * const fields = strictNested(z.object({ meta: z.object({ a: z.string() }) }));
 * fields.safeParse({ meta: { a: '1', b: 2 } }).success; // false: meta: Unrecognized key: "b"
 */
export function strictNested<T extends ZodType>(type: T): T {
  return strict(type, new Map()) as T;
}

function strict(type: ZodType, done: Map<ZodType, ZodType>): ZodType {
  const known = done.get(type);
  if (known) return known;
  const def = defOf(type);
  const child = (part: ZodType) => strict(part, done);
  let result: ZodType = type;
  if (def.type === 'object' && def.shape) {
    const shape = def.shape;
    const strictShape: Record<string, ZodType> = {};
    // Lazy, as zod's own shapes may be (getters of recursive objects): each field's copy is
    // made when zod first reads it, by which time this object's copy is in `done`.
    for (const key of Object.getOwnPropertyNames(shape)) {
      let copy: ZodType | undefined;
      Object.defineProperty(strictShape, key, {
        enumerable: true,
        get: () => {
          copy ??= child(shape[key] as ZodType);
          return copy;
        },
      });
    }
    result = cloneWith(type, {
      shape: strictShape,
      catchall: def.catchall === undefined ? z.never() : def.catchall,
    });
  } else if (WRAPPERS.has(def.type) && def.innerType) {
    result = cloneWith(type, { innerType: child(def.innerType) });
  } else if (def.type === 'array' && def.element) {
    result = cloneWith(type, { element: child(def.element) });
  } else if (def.type === 'union' && def.options) {
    result = cloneWith(type, { options: def.options.map(child) });
  } else if (def.type === 'tuple' && def.items) {
    result = cloneWith(type, {
      items: def.items.map(child),
      rest: def.rest ? child(def.rest) : (def.rest ?? null),
    });
  } else if (def.type === 'record' && def.valueType) {
    result = cloneWith(type, { valueType: child(def.valueType) });
  } else if (def.type === 'pipe' && def.in) {
    result = cloneWith(type, { in: child(def.in) });
  } else if (def.type === 'lazy' && def.getter) {
    const getter = def.getter;
    let copy: ZodType | undefined;
    result = cloneWith(type, {
      getter: () => {
        copy ??= child(getter());
        return copy;
      },
    });
  }
  done.set(type, result);
  return result;
}
