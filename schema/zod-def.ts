import type { $ZodType as ZodType } from 'zod/v4/core';

/** A zod type as zod 4 describes itself: `_zod.def.type` plus the parts each kind carries. */
export interface ZodDef {
  type: string;
  innerType?: ZodType;
  element?: ZodType;
  options?: readonly ZodType[];
  items?: readonly ZodType[];
  rest?: ZodType | null;
  keyType?: ZodType;
  valueType?: ZodType;
  shape?: Record<string, ZodType>;
  catchall?: ZodType;
  left?: ZodType;
  right?: ZodType;
  in?: ZodType;
  out?: ZodType;
  getter?: () => ZodType;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

/** The definition zod keeps on every type (not in its public types). */
export const defOf = (type: ZodType): ZodDef =>
  (type as unknown as { _zod: { def: ZodDef } })._zod.def;

/** The definition of a value that may not be a zod type at all (from untyped code), or null. */
export function maybeDefOf(value: unknown): ZodDef | null {
  if (typeof value !== 'object' || value === null) return null;
  const def = (value as { _zod?: { def?: unknown } })._zod?.def;
  return typeof def === 'object' && def !== null && typeof (def as ZodDef).type === 'string'
    ? (def as ZodDef)
    : null;
}
