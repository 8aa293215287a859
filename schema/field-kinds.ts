import { type $ZodType, safeParse } from 'zod/v4/core';
import { defOf } from './zod-def.ts';

/** A primitive a key or scope value is made of. */
export type ValueKind = 'string' | 'number';

/** Types whose output the schema cannot see into: they may hold anything. */
const OPAQUE = new Set(['any', 'unknown', 'custom', 'transform']);

/**
 * Whether a field's type can output a value of `kind`: looks through wrappers (optional,
 * nullable, default, readonly, catch, lazy, brand), unions, intersections and the output side
 * of pipes; string formats (`z.uuid()`, `z.email()`) are strings. Types it cannot see into
 * (`z.any()`, `z.custom()`, transforms) are given the benefit of the doubt.
 *
 * @example
 * mayHold(z.uuid(), 'string'); // true
 * mayHold(z.number().optional(), 'string'); // false
 */
export function mayHold(type: $ZodType, kind: ValueKind, seen = new Set<$ZodType>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  const def = defOf(type);
  if (def.type === kind || OPAQUE.has(def.type)) return true;
  if (def.type === 'template_literal') return kind === 'string';
  if (def.type === 'literal') return (def.values ?? []).some((v) => typeof v === kind);
  if (def.type === 'enum') return Object.values(def.entries ?? {}).some((v) => typeof v === kind);
  if (def.type === 'intersection') {
    return (
      !!def.left && !!def.right && mayHold(def.left, kind, seen) && mayHold(def.right, kind, seen)
    );
  }
  if (def.type === 'pipe') return !!def.out && mayHold(def.out, kind, seen);
  if (def.type === 'lazy' && def.getter) return mayHold(def.getter(), kind, seen);
  if (def.innerType) return mayHold(def.innerType, kind, seen);
  return (def.options ?? []).some((option) => mayHold(option, kind, seen));
}

/**
 * `'undefined'` or `'null'` when the type lets a record through with that value in the field
 * (`.optional()`, `.nullable()`, `.nullish()`, `z.any()`), else null. A default or a catch that
 * fills the value in is fine: the record then holds it.
 */
export function mayBeMissing(type: $ZodType): 'undefined' | 'null' | null {
  for (const value of [undefined, null]) {
    try {
      const result = safeParse(type, value);
      if (result.success && result.data === value)
        return value === undefined ? 'undefined' : 'null';
    } catch {
      // An async refinement cannot run here; the type is checked per write instead.
    }
  }
  return null;
}

/**
 * How a type reads in an error message, wrappers last: `z.number()`, `z.string().optional()`.
 *
 * @example
 * typeLabel(z.string().nullable()); // 'z.string().nullable()'
 */
export function typeLabel(type: $ZodType): string {
  const def = defOf(type);
  return def.innerType ? `${typeLabel(def.innerType)}.${def.type}()` : `z.${def.type}()`;
}
