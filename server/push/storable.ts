/** Longest key, event id or client id stored: well under PostgreSQL's btree entry limit. */
const MAX_ID_LENGTH = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether a string can be stored in a PostgreSQL `text` or `jsonb` value. zod accepts strings
 * PostgreSQL refuses (NUL, lone UTF-16 surrogates); without this check such a payload would
 * reach the database and fail there, as a server fault instead of a validation failure.
 */
export function isStorableString(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** Whether every string (and object key) in a JSON value is storable. */
export function isStorableJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === 'string') return isStorableString(value);
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isStorableJson(item, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).every(
      ([key, item]) => isStorableString(key) && isStorableJson(item, depth + 1),
    );
  }
  return true;
}

/** Whether a string is usable as a key, event id or client id. */
export function isStorableId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_ID_LENGTH && isStorableString(value);
}
