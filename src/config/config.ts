import { z } from 'zod';
import { isWebhookSecret } from './webhook-secret.ts';

/** Raised when the environment is invalid; `message` names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
}

const port = z.coerce.number().int().min(1).max(65535);

/** One schema over the environment; defaults live beside their fields. */
const envSchema = z.object({
  /** PostgreSQL URL. Unset → embedded PostgreSQL under DATA_DIR/pg. */
  DATABASE_URL: z.string().url().startsWith('postgres').optional(),
  /** The owner role's URL (sql/roles.sql), used only to run migrations. Unset with DATABASE_URL → the schema must already be current. */
  DATABASE_OWNER_URL: z.string().url().startsWith('postgres').optional(),
  /** Escape hatch: run even when a database role is a superuser or can create roles/databases or read server files. */
  DATABASE_ALLOW_PRIVILEGED_ROLE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('./.data'),
  EMBEDDED_PG_PORT: port.default(5433),
  /** 32 bytes, base64. Unset with the embedded default → generated once into DATA_DIR/secret.key. */
  SYNC_SECRET_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64')
    .optional(),
  /** Older keys (comma-separated base64) still accepted for decryption while keys rotate. */
  SYNC_SECRET_KEY_PREVIOUS: z
    .string()
    .refine(
      (v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
      'must be a comma-separated list of 32-byte base64 keys',
    )
    .optional(),
  /** Request body limit for the HTTP API, bytes. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  /** HTTP requests per minute per API key. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /** Failed authentications per minute per client address; beyond it, 429 before any key lookup. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Allow webhook URLs and ERP hosts on loopback/private networks (127/8, 10/8, 172.16/12, 192.168/16, 100.64/10, ::1, fc00::/7). Link-local and cloud metadata stay refused. */
  ALLOW_PRIVATE_DESTINATIONS: z.stringbool().default(false),
  /** Jobs one worker process runs at the same time. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** Bearer token Prometheus sends to GET /metrics; unset → /metrics answers 404. At least 16 characters. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** How often the worker evaluates alerts (thresholds per tenant in sync_alert_threshold), seconds. */
  ALERT_EVALUATE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** The operator's own receiver of every tenant's alert.raised / alert.resolved (Standard Webhooks); unset → tenants' webhooks only. */
  ALERT_OPERATOR_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  /** Its signing secret, `whsec_` + base64 (at least 24 bytes); required with ALERT_OPERATOR_URL. */
  ALERT_OPERATOR_SECRET: z
    .string()
    .refine(isWebhookSecret, 'whsec_ followed by at least 24 bytes in base64 (e.g. whsec_$(openssl rand -base64 32))')
    .optional(),
  /** How often a worker writes its heartbeat row, seconds. */
  WORKER_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Health answers 503 when no worker has beaten for this long, seconds (keep it a few heartbeats long). */
  WORKER_STALE_SECONDS: z.coerce.number().int().min(2).max(86_400).default(45),
  /** Push jobs fetched at once (each up to PUSH_JOB_MAX_ITEMS queue items), and items settled per transaction. */
  WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),
  /** How long a fetched job may run before pg-boss assumes its worker died and redelivers it, seconds. */
  JOB_EXPIRE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** How often pg-boss looks for expired jobs, seconds. */
  QUEUE_SUPERVISE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Push retry backoff: first delay, growth factor, cap (milliseconds). */
  RETRY_BASE_MS: z.coerce.number().int().min(0).default(5_000),
  RETRY_FACTOR: z.coerce.number().min(1).max(10).default(2),
  RETRY_CAP_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** Delays before webhook attempts 2, 3, … (comma-separated milliseconds); after the last, dead letter. */
  WEBHOOK_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds, e.g. 5000,300000')
    .transform((s) => s.split(',').map(Number))
    .default([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000]),
  /** A webhook not answered 2xx within this is a failed attempt, ms. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** Seconds to wait for PostgreSQL at start before giving up. */
  DB_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(20),
  // --- Tenant limits (docs/security.md "Limits"): one tenant cannot slow the others. ---
  /** Connections of the separate pool that tenant-shaped reads (download queries) use, per process. */
  TENANT_POOL_MAX: z.coerce.number().int().min(1).max(100).default(4),
  /** statement_timeout of that pool's connections, ms. */
  TENANT_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /** lock_timeout of that pool's connections, ms. */
  TENANT_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
  /** idle_in_transaction_session_timeout of that pool's connections, ms. */
  TENANT_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** Downloads one tenant may have in flight per server process; more → 429. */
  TENANT_DOWNLOADS_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(2),
  /** Uploads one tenant may have in flight per server process; more → 429. */
  TENANT_UPLOADS_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(2),
  /** Pulls/downloads one tenant may run at once per worker process; more are re-scheduled, not held. */
  TENANT_PULLS_IN_FLIGHT: z.coerce.number().int().min(1).max(256).default(1),
  /** Delay before a pull refused by TENANT_PULLS_IN_FLIGHT is tried again, seconds. */
  TENANT_PULL_RETRY_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  /** Runs (queued or running pulls) one tenant may have before POST /api/v1/sync/run answers 429. */
  TENANT_RUNS_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Rows in one agent upload; more → 413 (the request schema also stops at 100 000). */
  MAX_UPLOAD_ROWS: z.coerce.number().int().min(1).max(100_000).default(50_000),
  /** Enabled entity configurations per tenant; more → 400. */
  MAX_CONFIGS_PER_TENANT: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Shortest interval a config's sync_frequency (cron) may ask for, seconds. */
  MIN_SCHEDULE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(300),
});

export type Env = z.infer<typeof envSchema>;

/** Every setting at its default: what modules fall back to when a caller (a test) passes none. No module repeats a default. */
export const CONFIG_DEFAULTS: Env = envSchema.parse({});

// With an external database, server and worker may run on different hosts: the key must be shared, not generated.
const checkedEnvSchema = envSchema.superRefine((env, ctx) => {
  if (env.DATABASE_URL && !env.SYNC_SECRET_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['SYNC_SECRET_KEY'],
      message: 'required when DATABASE_URL is set (generate one with: openssl rand -base64 32)',
    });
  }
  if (Boolean(env.ALERT_OPERATOR_URL) !== Boolean(env.ALERT_OPERATOR_SECRET)) {
    ctx.addIssue({
      code: 'custom',
      path: [env.ALERT_OPERATOR_URL ? 'ALERT_OPERATOR_SECRET' : 'ALERT_OPERATOR_URL'],
      message: 'ALERT_OPERATOR_URL and ALERT_OPERATOR_SECRET go together',
    });
  }
  if (env.DATABASE_OWNER_URL && !env.DATABASE_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_OWNER_URL'],
      message: 'only meaningful with DATABASE_URL (the embedded default makes both roles itself)',
    });
  }
});

/** Parses the environment once; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = checkedEnvSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
}
