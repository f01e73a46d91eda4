/**
 * The one verdict on a failed attempt (the River idea of a worker *returning* its verdict):
 * RetryableError → try again after backoff (the ERP, the network or the Hub will recover);
 * PermanentError → give up now (the data, the SQL or the config is wrong). ERP failures are
 * classified into these by erp/erp-errors.ts; push handlers throw them; the queue decides with
 * `isPermanent` alone.
 */
export class RetryableError extends Error {
  override readonly name: string = 'RetryableError';
  readonly code: string = 'RETRYABLE';
  readonly retryable = true;
}

export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  readonly code: string = 'PERMANENT';
  readonly retryable = false;
}

/**
 * Whether a failure is final: a PermanentError, or a failure reported from elsewhere that says
 * `retryable: false` (the site agent's acknowledgement). Anything else is retried — an unknown
 * failure deserves another try, and max_retries bounds the cost.
 */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentError || (typeof err === 'object' && err !== null && 'retryable' in err && err.retryable === false);
}
