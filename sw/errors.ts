import { SwsyncError } from 'swsync/schema';

/** Stable codes of the errors the engine throws to its callers. */
export type EngineErrorCode =
  | 'UNKNOWN_MODEL'
  | 'RESERVED_MODEL_NAME'
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'ENGINE_CLOSED'
  | 'ACCOUNT_MISMATCH'
  | 'UNKNOWN_DATABASE';

/** Base of every error the engine throws on purpose; branch on `code`, never on the message. */
export class EngineError<Code extends EngineErrorCode = EngineErrorCode> extends SwsyncError<Code> {
  constructor(code: Code, message: string, details?: unknown) {
    super(code, message, details);
    this.name = 'EngineError';
  }
}

/** A write named a model the schema does not declare. */
export class UnknownModelError extends EngineError<'UNKNOWN_MODEL'> {
  constructor(model: string) {
    super('UNKNOWN_MODEL', `unknown model "${model}"`, { model });
    this.name = 'UnknownModelError';
  }
}

/** A model is named like one of the engine's own stores (`outbox`, `base`, `meta`...). */
export class ReservedModelNameError extends EngineError<'RESERVED_MODEL_NAME'> {
  constructor(model: string) {
    super('RESERVED_MODEL_NAME', `model name "${model}" is reserved by the local store`, { model });
    this.name = 'ReservedModelNameError';
  }
}

export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

/** A write failed its model's schema; nothing was written. */
export class WriteValidationError extends EngineError<'VALIDATION_FAILED'> {
  declare readonly details: { model: string; issues: ValidationIssue[] };
  constructor(model: string, issues: ValidationIssue[]) {
    const summary = issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`);
    super('VALIDATION_FAILED', `invalid ${model}: ${summary.join('; ')}`, { model, issues });
    this.name = 'WriteValidationError';
  }
}

/** An update named a record that does not exist locally; nothing was written. */
export class RecordNotFoundError extends EngineError<'NOT_FOUND'> {
  constructor(model: string, key: string | number) {
    super('NOT_FOUND', `${model} "${key}" does not exist`, { model, key });
    this.name = 'RecordNotFoundError';
  }
}

/** The engine was closed; create a new one to go on. */
export class EngineClosedError extends EngineError<'ENGINE_CLOSED'> {
  constructor() {
    super('ENGINE_CLOSED', 'the engine is closed');
    this.name = 'EngineClosedError';
  }
}

/**
 * A database was opened for another account than the one it belongs to. Nothing was read or
 * written; open the account's own database instead (`dbName` per account).
 */
export class AccountMismatchError extends EngineError<'ACCOUNT_MISMATCH'> {
  constructor(dbName: string, bound: string, requested: string) {
    super(
      'ACCOUNT_MISMATCH',
      `database "${dbName}" belongs to another account than "${requested}"`,
      { dbName, bound, requested },
    );
    this.name = 'AccountMismatchError';
  }
}

/**
 * A call named a database no page opened through this host, or one removed since (`forget`):
 * open a client for it again (its handshake creates it).
 */
export class UnknownDatabaseError extends EngineError<'UNKNOWN_DATABASE'> {
  constructor(dbName: string) {
    super('UNKNOWN_DATABASE', `database "${dbName}" is not open here (removed, or never opened)`, {
      dbName,
    });
    this.name = 'UnknownDatabaseError';
  }
}

/** The message of anything thrown, for `lastError` and outcome messages. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
