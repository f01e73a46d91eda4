/**
 * Per-tenant limits (docs/security.md "Limits"): what keeps one tenant from slowing the others.
 * The in-process gate counts what each tenant has in flight in this process (downloads and
 * uploads in the server, pulls in the worker); the caps (rows per upload, configs, runs in flight,
 * shortest schedule) are checked where those things are written.
 */
import { CONFIG_DEFAULTS, type Env } from '../config/config.ts';
import { createDb, type DbHandle } from '../db/connect.ts';

export interface TenantLimits {
  /** Per-tenant concurrency in this process, by kind of work. */
  inFlight: { download: number; upload: number; pull: number };
  /** Delay before a refused pull is tried again, seconds. */
  pullRetrySeconds: number;
  /** Queued or running pulls per tenant before a manual run is refused. */
  runsInFlight: number;
  maxUploadRows: number;
  maxConfigsPerTenant: number;
  minScheduleSeconds: number;
  /** The separate pool for tenant-shaped reads. */
  pool: { max: number; statementTimeoutMs: number; lockTimeoutMs: number; idleInTransactionTimeoutMs: number };
}

export type TenantWork = keyof TenantLimits['inFlight'];

/** The environment variable behind each in-flight limit (named in 429 messages so operators know what to raise). */
const VARIABLE: Record<TenantWork, string> = {
  download: 'TENANT_DOWNLOADS_IN_FLIGHT',
  upload: 'TENANT_UPLOADS_IN_FLIGHT',
  pull: 'TENANT_PULLS_IN_FLIGHT',
};

export function tenantLimitsFrom(env: Env): TenantLimits {
  return {
    inFlight: { download: env.TENANT_DOWNLOADS_IN_FLIGHT, upload: env.TENANT_UPLOADS_IN_FLIGHT, pull: env.TENANT_PULLS_IN_FLIGHT },
    pullRetrySeconds: env.TENANT_PULL_RETRY_SECONDS,
    runsInFlight: env.TENANT_RUNS_IN_FLIGHT,
    maxUploadRows: env.MAX_UPLOAD_ROWS,
    maxConfigsPerTenant: env.MAX_CONFIGS_PER_TENANT,
    minScheduleSeconds: env.MIN_SCHEDULE_SECONDS,
    pool: {
      max: env.TENANT_POOL_MAX,
      statementTimeoutMs: env.TENANT_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: env.TENANT_LOCK_TIMEOUT_MS,
      idleInTransactionTimeoutMs: env.TENANT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
  };
}

/** The defaults of config.ts, for callers (tests) that build an app without an environment. */
export const TENANT_LIMITS_DEFAULT: TenantLimits = tenantLimitsFrom(CONFIG_DEFAULTS);

/** A tenant is at one of its limits; the HTTP layer answers 429 with Retry-After. */
export class TenantBusyError extends Error {
  override readonly name = 'TenantBusyError';
  readonly code = 'TENANT_LIMIT';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Seconds a refused HTTP caller is told to wait: in-flight work of these kinds usually ends within that. */
const RETRY_AFTER_SECONDS = 2;

export interface TenantGate {
  /** A slot for `kind` work of `tenantId`, released by the returned function; undefined when the tenant is at its limit. */
  tryAcquire(kind: TenantWork, tenantId: string): (() => void) | undefined;
  /** Runs `fn` in a slot, or throws TenantBusyError naming the limit. */
  run<T>(kind: TenantWork, tenantId: string, fn: () => Promise<T>): Promise<T>;
}

export function createTenantGate(limits: Pick<TenantLimits, 'inFlight'>): TenantGate {
  const busy = new Map<string, number>();
  const tryAcquire = (kind: TenantWork, tenantId: string) => {
    const key = `${kind}\u0000${tenantId}`;
    const n = busy.get(key) ?? 0;
    if (n >= limits.inFlight[kind]) return undefined;
    busy.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (busy.get(key) ?? 1) - 1;
      if (left <= 0) busy.delete(key);
      else busy.set(key, left);
    };
  };
  return {
    tryAcquire,
    async run(kind, tenantId, fn) {
      const release = tryAcquire(kind, tenantId);
      if (!release) {
        throw new TenantBusyError(
          `${limits.inFlight[kind]} ${kind}s of this tenant are already in progress (limit ${VARIABLE[kind]}); retry in ${RETRY_AFTER_SECONDS} s`,
          RETRY_AFTER_SECONDS,
        );
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}

/** The separate, small pool for tenant-shaped reads, with its guard rails set on every connection. */
export function createTenantDb(url: string, limits: TenantLimits, onError: (err: Error) => void): DbHandle {
  const p = limits.pool;
  return createDb({
    url,
    max: p.max,
    applicationName: 'parse-sync-tenant',
    onError,
    timeouts: { statementMs: p.statementTimeoutMs, lockMs: p.lockTimeoutMs, idleInTransactionMs: p.idleInTransactionTimeoutMs },
  });
}
