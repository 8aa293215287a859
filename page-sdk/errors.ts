import type { Rejection } from 'swsync/schema';
import { SwsyncError } from 'swsync/schema';

/** A record or patch failed its zod model in the page: nothing was sent to the worker. */
export class ValidationError extends SwsyncError<'VALIDATION_FAILED'> {
  constructor(
    message: string,
    readonly model: string,
    readonly issues: readonly { path: readonly PropertyKey[]; message: string }[],
  ) {
    super('VALIDATION_FAILED', message, { model, issues });
    this.name = 'ValidationError';
  }
}

/** The server rejected a local change; the worker rolled it back. */
export class RejectedError extends SwsyncError<'REJECTED'> {
  /** The server's error type (`CONFLICT`, `SCOPE_VIOLATION`, ...). */
  readonly reason: string;
  constructor(readonly rejection: Rejection) {
    super('REJECTED', rejection.error.message, rejection);
    this.name = 'RejectedError';
    this.reason = rejection.error.type;
  }
}

/** The worker (or the page-hosted engine) did not answer after every attempt. */
export class UnavailableError extends SwsyncError<'UNAVAILABLE'> {
  constructor(message: string, details?: { method: string; attempts: number; cause?: string }) {
    super('UNAVAILABLE', message, details);
    this.name = 'UnavailableError';
  }
}

/** Page and worker speak different page-protocol versions; see `client.status.protocol`. */
export class VersionMismatchError extends SwsyncError<'VERSION_MISMATCH'> {
  constructor(
    readonly pageVersion: number,
    readonly workerVersion: number,
  ) {
    super(
      'VERSION_MISMATCH',
      `page protocol ${pageVersion} cannot talk to worker protocol ${workerVersion}`,
      { pageVersion, workerVersion },
    );
    this.name = 'VersionMismatchError';
  }
}

/** An error the worker threw on purpose, with the stable code it carried across the wire. */
export class WorkerError extends SwsyncError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, details);
    this.name = 'WorkerError';
  }
}

/** A query named a field that is neither the key nor a declared index of its model. */
export class NotIndexedError extends SwsyncError<'NOT_INDEXED'> {
  constructor(
    readonly model: string,
    readonly field: string,
  ) {
    super('NOT_INDEXED', `${model}.${field} is not indexed: declare it in the model's indexes`, {
      model,
      field,
    });
    this.name = 'NotIndexedError';
  }
}

/** The client was closed; no further calls are made. */
export class ClosedError extends SwsyncError<'CLIENT_CLOSED'> {
  constructor() {
    super('CLIENT_CLOSED', 'the sync client was closed');
    this.name = 'ClosedError';
  }
}

/** Rebuilds a typed error from what Comlink delivers for an error thrown in the worker. */
export function fromRemoteError(error: unknown): Error {
  if (error instanceof SwsyncError) return error;
  if (error instanceof Error) {
    const { code, details } = error as Error & { code?: unknown; details?: unknown };
    if (typeof code === 'string') return new WorkerError(code, error.message, details);
    return new WorkerError('WORKER_ERROR', error.message);
  }
  return new WorkerError('WORKER_ERROR', String(error));
}
