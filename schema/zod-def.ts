import type { z } from 'zod';

/** A zod type as zod 4 describes itself: `_zod.def.type` plus the parts each kind carries. */
export interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  items?: readonly z.ZodType[];
  rest?: z.ZodType | null;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  getter?: () => z.ZodType;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

/** The definition zod keeps on every type (not in its public types). */
export const defOf = (type: z.ZodType): ZodDef =>
  (type as unknown as { _zod: { def: ZodDef } })._zod.def;

/** The definition of a value that may not be a zod type at all (from untyped code), or null. */
export function maybeDefOf(value: unknown): ZodDef | null {
  if (typeof value !== 'object' || value === null) return null;
  const def = (value as { _zod?: { def?: unknown } })._zod?.def;
  return typeof def === 'object' && def !== null && typeof (def as ZodDef).type === 'string'
    ? (def as ZodDef)
    : null;
}
