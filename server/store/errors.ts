import { SwsyncError } from 'swsync/schema';

/** A call on a store after `close()`. Classified as transient: the request may be retried. */
export class StoreClosedError extends SwsyncError<'STORE_CLOSED'> {
  constructor() {
    super('STORE_CLOSED', 'the store is closed');
    this.name = 'StoreClosedError';
  }
}
