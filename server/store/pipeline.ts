/**
 * Awaits statements issued together (pipelined: sent without waiting for each answer) and
 * returns their rows in order. When some fail, throws the error of the first one issued: the
 * statements after a failed one only fail because the transaction is aborted (25P02), and the
 * callers classify the first error (a serialization failure is retried, an outage is a 503).
 *
 * @example
 * const [locked, applied] = await pipeline([tx.query(lockSql, [scopes]), tx.query(readSql, [ids])]);
 */
export async function pipeline<T extends readonly unknown[]>(
  statements: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(statements);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map(
    (outcome) => (outcome as PromiseFulfilledResult<unknown>).value,
  ) as unknown as T;
}
