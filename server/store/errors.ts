import { SwsyncError } from 'swsync/schema';

/** A call on a store after `close()`. Classified as transient: the request may be retried. */
export class StoreClosedError extends SwsyncError<'STORE_CLOSED'> {
  constructor() {
    super('STORE_CLOSED', 'the store is closed');
    this.name = 'StoreClosedError';
  }
}

/**
 * A statement or transaction that outlived the store's deadline (`statementTimeoutMs`).
 * Classified as transient (503): the connection it ran on is replaced, and the request may be
 * retried. It may still have committed; pushes are idempotent, so a retry is safe.
 */
export class StoreTimeoutError extends SwsyncError<'STORE_TIMEOUT'> {
  constructor(readonly timeoutMs: number) {
    super('STORE_TIMEOUT', `the database did not answer within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
  }
}
