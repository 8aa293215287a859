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
}

/** The definition zod keeps on every type (not in its public types). */
export const defOf = (type: z.ZodType): ZodDef =>
  (type as unknown as { _zod: { def: ZodDef } })._zod.def;
