/** HTTP API process: `make server` / `npm run server`. */
import { loadConfig } from '../config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from './bootstrap.ts';
import { createLogger } from '../config/logger.ts';
import { createDb } from '../db/connect.ts';
import { createBoss } from '../queue/boss.ts';
import { JOB_TIMING_DEFAULT } from '../queue/jobs.ts';
import { createSyncQueue } from '../queue/sync-queue.ts';
import { buildApp } from '../http/app.ts';
import { createPullScheduler } from '../sync/pull-scheduler.ts';
import { createTenantDb, tenantLimitsFrom } from '../sync/tenant-limits.ts';
import { announceDeadLeases, emitHubOutcomeEvents, emitWebhookEvents } from '../webhooks/events.ts';
import { onShutdownSignal, runMain, surviveLostDatabaseConnections } from './main.ts';

runMain('server', async () => {
  const env = loadConfig();
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'server', pretty: process.stdout.isTTY });
  surviveLostDatabaseConnections((err) => logger.warn({ err: err.message }, 'database connection lost'));
  const runtime = await resolveRuntime(env, (line) => logger.info(line));
  const dbh = createDb({ url: runtime.databaseUrl, onError: (err) => logger.warn({ err }, 'idle database connection lost') });
  await prepareRuntimeDatabase(runtime, env);
  // The server only enqueues: its pg-boss neither supervises nor schedules (the worker does).
  const boss = createBoss({ url: runtime.databaseUrl, logger, max: 4, supervise: false, schedule: false });
  await boss.start();
  const queue = createSyncQueue({
    boss,
    timing: { ...JOB_TIMING_DEFAULT, expireInSeconds: env.JOB_EXPIRE_SECONDS },
    onDeadLeases: announceDeadLeases(boss),
    // Agent acknowledgements are settled like the worker's batches: same backoff, same webhooks.
    backoff: { baseMs: env.RETRY_BASE_MS, factor: env.RETRY_FACTOR, capMs: env.RETRY_CAP_MS },
    afterSettle: (trx, settled) => emitHubOutcomeEvents(trx, boss, settled),
  });
  // Download queries get their own small pool with timeouts: one tenant cannot take the API's connections.
  const limits = tenantLimitsFrom(env);
  const tenantDbh = createTenantDb(runtime.databaseUrl, limits, (err) => logger.warn({ err }, 'idle tenant-pool connection lost'));
  const app = await buildApp({
    db: dbh.db,
    logger,
    queue,
    pulls: createPullScheduler({ boss }),
    keyring: runtime.keyring,
    bodyLimit: env.BODY_LIMIT_BYTES,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    limits,
    tenantDb: tenantDbh.db,
    workerStaleSeconds: env.WORKER_STALE_SECONDS,
    metricsToken: env.METRICS_TOKEN,
    authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    destinations: { allowPrivate: env.ALLOW_PRIVATE_DESTINATIONS },
    emitWebhookEvents: (db, events) => emitWebhookEvents(db, boss, events),
  });
  await app.listen({ host: env.HOST, port: env.PORT });
  onShutdownSignal(async (signal) => {
    logger.info({ signal }, 'server stopping');
    await app.close(); // stops accepting, lets in-flight requests finish
    await boss.stop({ graceful: false });
    await tenantDbh.close();
    await dbh.close();
  });
});
