import type { $ZodType } from 'zod/v4/core';
import { defOf } from './zod-def.ts';

/**
 * What to store instead of each value JSON cannot carry. Records travel as JSON between the
 * engine and the server: a bigint makes `JSON.stringify` throw, a Date comes back a string, a
 * Map or Set comes back `{}`, NaN comes back null — the local record and the server's would
 * differ, or the push would never go out.
 */
const NOT_JSON: Record<string, string> = {
  bigint: 'a string or a number',
  date: 'an ISO string (z.iso.datetime())',
  map: 'a plain object (z.record()) or an array of pairs',
  set: 'an array',
  symbol: 'a string',
  function: 'nothing: records are data',
  promise: 'the resolved value',
  nan: 'null',
  file: 'a URL or an id of the stored file',
};

/**
 * Why a field's zod type cannot travel as JSON, or null when it can. Looks through wrappers
 * (optional, nullable, default, readonly, catch, lazy), containers (arrays, objects, records,
 * tuples, unions, intersections) and the output side of pipes and codecs (what is stored);
 * types it cannot see into (`z.any()`, `z.custom()`, transforms) are checked per write instead.
 *
 * @example
 * jsonIssue(z.bigint()); // 'z.bigint() cannot travel as JSON: use a string or a number'
 * jsonIssue(z.array(z.string())); // null
 */
export function jsonIssue(type: $ZodType, seen = new Set<$ZodType>()): string | null {
  if (seen.has(type)) return null;
  seen.add(type);
  const def = defOf(type);
  const instead = NOT_JSON[def.type];
  if (instead !== undefined) {
    return `z.${def.type}() cannot travel as JSON: use ${instead}`;
  }
  if (def.type === 'literal' && def.values?.some((v) => typeof v === 'bigint')) {
    return 'a bigint literal cannot travel as JSON: use a string or a number';
  }
  const parts: ($ZodType | null | undefined)[] = [
    def.innerType,
    def.element,
    def.rest,
    def.keyType,
    def.valueType,
    def.catchall,
    def.left,
    def.right,
    def.out,
    ...(def.options ?? []),
    ...(def.items ?? []),
    ...Object.values(def.shape ?? {}),
  ];
  if (def.type === 'lazy' && def.getter) parts.push(def.getter());
  for (const part of parts) {
    const issue = part ? jsonIssue(part, seen) : null;
    if (issue) return issue;
  }
  return null;
}

/**
 * Where a value JSON would not carry faithfully sits, or null when it round-trips: for fields
 * whose type the schema cannot see into (`z.any()`, `z.unknown()`, `z.custom()`), checked at
 * each write. Refused: bigints, symbols, functions, non-finite numbers, cycles, and objects
 * other than plain objects and arrays (Date, Map, Set, class instances, typed arrays).
 *
 * @example
 * jsonValueIssue({ n: 1n }); // { path: ['n'], message: 'a bigint cannot travel as JSON' }
 */
export function jsonValueIssue(
  value: unknown,
  path: (string | number)[] = [],
  parents: object[] = [],
): { path: (string | number)[]; message: string } | null {
  switch (typeof value) {
    case 'bigint':
    case 'symbol':
    case 'function':
      return { path, message: `a ${typeof value} cannot travel as JSON` };
    case 'number':
      return Number.isFinite(value) ? null : { path, message: `${value} cannot travel as JSON` };
    case 'string':
      return textIssue(value, path);
    case 'object': {
      if (value === null) return null;
      if (parents.includes(value)) return { path, message: 'a cycle cannot travel as JSON' };
      const proto = Object.getPrototypeOf(value);
      const plain = Array.isArray(value) || proto === Object.prototype || proto === null;
      if (!plain) {
        const name = (value as object).constructor?.name ?? 'object';
        return { path, message: `a ${name} cannot travel as JSON` };
      }
      const inner = [...parents, value];
      for (const [key, item] of Object.entries(value)) {
        const at = Array.isArray(value) ? Number(key) : key;
        // An object drops an undefined field, as an optional field is; an array makes it null.
        if (item === undefined && Array.isArray(value)) {
          return { path: [...path, at], message: 'undefined in an array cannot travel as JSON' };
        }
        const issue = textIssue(key, [...path, at]) ?? jsonValueIssue(item, [...path, at], inner);
        if (issue) return issue;
      }
      return null;
    }
    default:
      return null;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text the server can store: PostgreSQL's text and jsonb hold no NUL character, and a lone
 * surrogate is not well-formed text. Caught when the write is made, not by a later rejection.
 */
function textIssue(
  text: string,
  path: (string | number)[],
): { path: (string | number)[]; message: string } | null {
  if (text.includes('\u0000'))
    return { path, message: 'a NUL character (\\u0000) cannot be stored' };
  if (LONE_SURROGATE.test(text))
    return { path, message: 'a lone surrogate is not well-formed text' };
  return null;
}
