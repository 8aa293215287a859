/** What both drivers accept as a statement parameter. */
export type Param = string | number | boolean | null;

/**
 * Normalizes a parameter the same way for both drivers: objects and arrays travel as JSON text
 * cast in the statement with `$1::text::jsonb`, bigints as decimal text. The `::text` matters:
 * postgres.js asks the server for parameter types and JSON-encodes a string bound to a `jsonb`
 * parameter a second time, storing a JSON string instead of the object.
 */
export function toParam(value: unknown): Param {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}
