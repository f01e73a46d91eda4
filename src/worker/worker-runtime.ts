/**
 * Everything a worker process runs, given its handlers: pg-boss, the queues, the push worker,
 * and the sweep that returns expired Hub leases. src/bin/worker.ts passes the product's
 * handlers; tests start the same runtime in a real child process with their own.
 */
import type { Kysely } from 'kysely';
import type { Env } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/schema.ts';
import { createBoss } from '../queue/boss.ts';
import { ensureQueues, JOB_TIMING_DEFAULT } from '../queue/jobs.ts';
import { createPushWorker, type PushHandlerRegistration } from '../queue/push-worker.ts';
import { createSyncQueue } from '../queue/sync-queue.ts';
import type { Keyring } from '../security/secret-box.ts';
import { createWebhookDeliverer } from '../webhooks/deliver.ts';
import { createSyncEngine } from '../sync/sync-engine.ts';
import { tenantLimitsFrom } from '../sync/tenant-limits.ts';
import { announceDeadLeases, emitHubOutcomeEvents } from '../webhooks/events.ts';
import { hostname } from 'node:os';
import { beatWorker, removeWorkerHeartbeat } from '../db/worker-heartbeat.ts';
import { evaluateAlerts } from '../alerts/evaluate.ts';

/** How often expired Hub leases are returned to PENDING even when the Hub stops polling, ms. */
const LEASE_SWEEP_MS = 15_000;

export async function startWorkerRuntime(opts: {
  env: Env;
  databaseUrl: string;
  db: Kysely<Database>;
  logger: Logger;
  handlers: PushHandlerRegistration[];
  keyring: Keyring;
}) {
  const { env, logger } = opts;
  const boss = createBoss({
    url: opts.databaseUrl,
    logger,
    max: env.WORKER_CONCURRENCY + 4,
    superviseIntervalSeconds: env.QUEUE_SUPERVISE_SECONDS,
  });
  await boss.start();
  await ensureQueues(boss);
  const timing = { ...JOB_TIMING_DEFAULT, expireInSeconds: env.JOB_EXPIRE_SECONDS };
  const queue = createSyncQueue({ boss, timing, onDeadLeases: announceDeadLeases(boss) });
  const destinations = { allowPrivate: env.ALLOW_PRIVATE_DESTINATIONS };
  const engine = createSyncEngine({
    db: opts.db,
    boss,
    queue,
    keyring: opts.keyring,
    logger,
    limits: tenantLimitsFrom(env),
    databaseUrl: opts.databaseUrl,
    destinations,
  });
  const push = createPushWorker({
    db: opts.db,
    boss,
    logger,
    handlers: [...opts.handlers, ...engine.pushHandlers()],
    concurrency: env.WORKER_CONCURRENCY,
    batchSize: env.WORKER_BATCH_SIZE,
    backoff: { baseMs: env.RETRY_BASE_MS, factor: env.RETRY_FACTOR, capMs: env.RETRY_CAP_MS },
    timing,
    // The Hub learns the fate of what it sent in the same transaction that records it.
    afterSettle: (trx, settled) => emitHubOutcomeEvents(trx, boss, settled),
  });
  await push.start();
  const webhooks = createWebhookDeliverer({
    db: opts.db,
    boss,
    keyring: opts.keyring,
    logger,
    retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE_MS,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    destinations,
    ...(env.ALERT_OPERATOR_URL && env.ALERT_OPERATOR_SECRET
      ? { operator: { url: env.ALERT_OPERATOR_URL, secret: env.ALERT_OPERATOR_SECRET } }
      : {}),
  });
  await webhooks.start();
  await engine.start();
  const sweep = setInterval(() => {
    queue.reclaimExpiredLeases(opts.db).catch((err: unknown) => logger.warn({ err }, 'lease sweep failed'));
  }, LEASE_SWEEP_MS);
  sweep.unref();
  // Liveness for /health: a row refreshed on a timer, removed on a clean stop (a killed worker goes stale).
  const me = { workerId: crypto.randomUUID(), hostname: hostname(), pid: process.pid, startedAt: new Date() };
  const beat = () => beatWorker(opts.db, me).catch((err: unknown) => logger.warn({ err }, 'worker heartbeat failed'));
  await beat();
  const heartbeat = setInterval(beat, env.WORKER_HEARTBEAT_SECONDS * 1000);
  heartbeat.unref();
  const alerts = setInterval(() => {
    evaluateAlerts(opts.db, boss, { operator: Boolean(env.ALERT_OPERATOR_URL) }).then(
      (r) => (r.raised || r.resolved ? logger.warn(r, 'alerts changed') : undefined),
      (err: unknown) => logger.warn({ err }, 'alert evaluation failed'),
    );
  }, env.ALERT_EVALUATE_SECONDS * 1000);
  alerts.unref();
  return {
    boss,
    queue,
    engine,
    /** Stops taking work, lets in-flight batches finish (jobs not finished in time are redelivered later). */
    async stop(): Promise<void> {
      clearInterval(sweep);
      clearInterval(heartbeat);
      clearInterval(alerts);
      await removeWorkerHeartbeat(opts.db, me.workerId).catch((err: unknown) =>
        logger.warn({ err }, 'could not remove the worker heartbeat'),
      );
      await boss.stop({ graceful: true, timeout: 7000 });
      await engine.stop();
    },
  };
}
