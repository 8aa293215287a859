import { StoreClosedError, StoreTimeoutError } from './errors.ts';

/**
 * How a failed transaction should be handled:
 * - `retry`: a race the next attempt resolves (serialization failure, deadlock, a unique
 *   violation from another scope creating the same key);
 * - `unavailable`: the database is unreachable or refusing work; retrying may help later;
 * - `database`: any other error the database raised. Input is validated before it reaches SQL,
 *   so this is a server fault; it is still never shown raw to a client;
 * - `other`: not a database error (a bug, or the application's hook throwing).
 */
export type FaultKind = 'retry' | 'unavailable' | 'database' | 'other';

const RETRY_STATES = new Set(['40001', '40P01', '23505']);
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '55P03', '57014']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  // postgres.js
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** Classifies an error thrown by a store call. */
export function classifyFault(error: unknown): FaultKind {
  if (error instanceof StoreClosedError || error instanceof StoreTimeoutError) return 'unavailable';
  if (typeof error !== 'object' || error === null) return 'other';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (RETRY_STATES.has(code)) return 'retry';
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code)) return 'unavailable';
    // Class 08: connection exception; 53: insufficient resources (53300 too many connections).
    if (/^(08|53)[0-9A-Z]{3}$/.test(code)) return 'unavailable';
    if (/^[0-9A-Z]{5}$/.test(code)) return 'database';
  }
  const message = (error as { message?: unknown }).message;
  // PGlite closed underneath us (its errors carry no code).
  if (typeof message === 'string' && /^PGlite is clos(ed|ing)/.test(message)) {
    return 'unavailable';
  }
  return 'other';
}
