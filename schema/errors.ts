/**
 * Base of every error swsync throws on purpose. `code` is stable and safe to branch on;
 * `details` carries typed context and never a stack trace or a raw database message.
 */
export class SwsyncError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'SwsyncError';
  }
}

/** A schema declaration that cannot work (unknown parent, cycle, missing key field...). */
export class SchemaError extends SwsyncError<'SCHEMA_INVALID'> {
  constructor(message: string) {
    super('SCHEMA_INVALID', message);
    this.name = 'SchemaError';
  }
}
