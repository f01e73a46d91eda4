/**
 * ERP failures, classified once: retry (the ERP or the network will recover) or not (the data or
 * the SQL is wrong). Carries SQL Server's number, state and message and the statement's name —
 * never connection credentials.
 */
import { PermanentError, RetryableError } from '../core/failure.ts';
export interface ErpErrorDetails {
  /** SQL Server error number (e.g. 2627), or undefined for a connection-level failure. */
  number?: number;
  state?: number;
  /** tedious error code (ESOCKET, ETIMEOUT, ELOGIN, EREQUEST, …). */
  driverCode?: string;
  /** Which configured statement failed (`select_since`, `insert`, …). */
  statement?: string;
}

/** An ERP failure the ERP or the network will recover from: the one verdict of core/failure.ts, with SQL Server's details. */
export class RetryableErpError extends RetryableError {
  override readonly name = 'RetryableErpError';
  override readonly code = 'ERP_TRANSIENT';
  readonly number?: number;
  readonly state?: number;
  readonly driverCode?: string;
  readonly statement?: string;
  constructor(message: string, details: ErpErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    Object.assign(this, details);
  }
}

/** An ERP failure no retry fixes (the data or the SQL is wrong). */
export class PermanentErpError extends PermanentError {
  override readonly name = 'PermanentErpError';
  override readonly code = 'ERP_PERMANENT';
  readonly number?: number;
  readonly state?: number;
  readonly driverCode?: string;
  readonly statement?: string;
  constructor(message: string, details: ErpErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    Object.assign(this, details);
  }
}

/** Deadlock victim, database unavailable during failover, Azure throttling, timeouts, transport errors. */
const TRANSIENT_NUMBERS = new Set([
  -2, 64, 233, 1205, 1222, 4060, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40613, 49918, 49919, 49920,
]);
const TRANSIENT_DRIVER_CODES = new Set(['ESOCKET', 'ETIMEOUT', 'ECLOSE', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTOPEN', 'EINSTLOOKUP']);

export function classifyErpError(err: unknown, statement?: string): RetryableErpError | PermanentErpError {
  if (err instanceof RetryableErpError || err instanceof PermanentErpError) return err;
  // Our own verdict (e.g. a config that cannot carry the action) stands, with its message.
  if (err instanceof PermanentError) return new PermanentErpError(err.message, { statement }, { cause: err });
  const e = (err ?? {}) as { message?: string; number?: number; state?: number; code?: string; cause?: unknown };
  const details: ErpErrorDetails = { number: e.number, state: e.state, driverCode: e.code, statement };
  const where = statement ? ` (statement ${statement})` : '';
  // tedious's InputError ("Column 'x' could not be serialized") keeps the reason in `cause`.
  const why = e.number === undefined && e.cause instanceof Error && !e.message?.includes(e.cause.message) ? `: ${e.cause.message}` : '';
  const what =
    e.number !== undefined
      ? `SQL Server error ${e.number}${e.state !== undefined ? ` state ${e.state}` : ''}: ${e.message}`
      : `${e.code ?? 'error'}: ${e.message ?? String(err)}${why}`;
  const message = `${what}${where}`;
  const transient =
    (e.number !== undefined && TRANSIENT_NUMBERS.has(e.number)) ||
    (e.number === undefined && e.code !== undefined && TRANSIENT_DRIVER_CODES.has(e.code));
  // A login failure (18456) is a wrong password: retrying only locks the account.
  return transient && e.code !== 'ELOGIN'
    ? new RetryableErpError(message, details, { cause: err })
    : new PermanentErpError(message, details, { cause: err });
}
