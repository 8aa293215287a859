import * as z from 'zod/mini';
import type * as core from 'zod/v4/core';

/**
 * Own keys of `value` that `declared` does not own, in `value`'s order.
 *
 * Why own keys, checked against own keys: `JSON.parse` (and structured cloning) make
 * `__proto__`, `constructor` or `prototype` ordinary own keys of the objects they build. A check
 * written with `in` finds those names on `Object.prototype` and lets them through, and a copy by
 * assignment (`out[key] = value`, as zod's `record` and `looseObject` do) turns an own
 * `__proto__` into the copy's prototype, so the key vanishes before a strict check sees it.
 *
 * @example
 * undeclaredKeys(JSON.parse('{"id":"a","__proto__":{}}'), { id: z.string() }); // ['__proto__']
 */
export function undeclaredKeys(value: object, declared: object): string[] {
  return Object.getOwnPropertyNames(value).filter((key) => !Object.hasOwn(declared, key));
}

/** Whether `value` is a JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON object, passed through as it is (never copied): what a later strict check judges is
 * the very object that arrived, own `__proto__` key included. Use it instead of
 * `z.record(z.string(), z.unknown())` for any object a model checks afterwards.
 */
export const jsonObjectSchema = z.custom<Record<string, unknown>>(isJsonObject, {
  message: 'expected an object',
});

/**
 * A zod check that refuses every own key `shape` does not declare (see {@link undeclaredKeys}),
 * to run on the input before a schema that copies it. Non-objects pass: the schema after it
 * reports them.
 */
export function declaredKeysOnly(shape: object): core.$ZodType<unknown> {
  return z.unknown().check(
    z.superRefine((value, ctx) => {
      if (!isJsonObject(value)) return;
      for (const key of undeclaredKeys(value, shape)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not a declared field` });
      }
    }),
  );
}
