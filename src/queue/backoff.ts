/** Exponential backoff with jitter for push retries. */
export interface BackoffPolicy {
  /** Delay before the first retry, milliseconds. */
  baseMs: number;
  /** Growth per attempt. */
  factor: number;
  /** Upper bound of any delay, milliseconds. */
  capMs: number;
}

export const BACKOFF_DEFAULT: BackoffPolicy = { baseMs: 5_000, factor: 2, capMs: 60 * 60_000 };

/**
 * Delay before retry number `attempt` (1-based): "equal jitter" — half the exponential delay is
 * fixed, half random — so delays still grow with each attempt while retries of many items
 * that failed together (an ERP restart) spread out instead of returning as one wave.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
