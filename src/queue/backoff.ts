import { CONFIG_DEFAULTS } from '../config/config.ts';

/** Exponential backoff with jitter for push retries. */
export interface BackoffPolicy {
  /** Delay before the first retry, milliseconds. */
  baseMs: number;
  /** Growth per attempt. */
  factor: number;
  /** Upper bound of any delay, milliseconds. */
  capMs: number;
}

/** RETRY_BASE_MS, RETRY_FACTOR and RETRY_CAP_MS at their defaults (config.ts). */
export const BACKOFF_DEFAULT: BackoffPolicy = {
  baseMs: CONFIG_DEFAULTS.RETRY_BASE_MS,
  factor: CONFIG_DEFAULTS.RETRY_FACTOR,
  capMs: CONFIG_DEFAULTS.RETRY_CAP_MS,
};

/**
 * Delay before retry number `attempt` (1-based): "equal jitter" — half the exponential delay is
 * fixed, half random — so delays still grow with each attempt while retries of many items
 * that failed together (an ERP restart) spread out instead of returning as one wave.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
