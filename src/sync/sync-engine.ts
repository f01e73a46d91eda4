/**
 * The worker's sync engine: ERP pools, the ERP push handler, the pull queue and the schedule
 * reconciler that keeps pg-boss cron schedules in step with sync_entity_config.
 */
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import { findEntityConfigById, listScheduledEntityConfigs } from '../db/entity-configs.ts';
import type { Database } from '../db/schema.ts';
import { createErpRegistry } from '../erp/erp-registry.ts';
import type { DestinationPolicy } from '../security/destination-policy.ts';
import { PULL_QUEUE, reconcilePullSchedules, type PullJobData } from '../queue/jobs.ts';
import type { PushHandlerRegistration } from '../queue/push-worker.ts';
import type { SyncQueue } from '../queue/sync-queue.ts';
import type { Keyring } from '../security/secret-box.ts';
import { cronProblem, cronShortestGapSeconds } from './cron.ts';
import { flows, isDownloadTable, StoredConfigError, tryParseEntityConfig } from './entity-config.ts';
import { runDownload } from './download.ts';
import { runPull } from './pull.ts';
import { createPullScheduler } from './pull-scheduler.ts';
import { createErpPushHandler } from './push-erp.ts';
import { createTenantDb, createTenantGate, TENANT_LIMITS_DEFAULT, type TenantLimits } from './tenant-limits.ts';

/** Cron of the reconciliation (full read) of an entity with a cursor when its config sets none: nightly. */
const DEFAULT_RECONCILE_FREQUENCY = '30 2 * * *';

/** How often schedules are compared with the configs, ms (config changes need no restart). */
const SCHEDULE_RECONCILE_MS = 30_000;

export function createSyncEngine(o: {
  db: Kysely<Database>;
  boss: PgBoss;
  queue: SyncQueue;
  keyring: Keyring;
  logger: Logger;
  limits?: TenantLimits;
  /** With it, download reads get their own bounded pool with timeouts (TENANT_POOL_MAX, TENANT_*_TIMEOUT_MS). */
  databaseUrl?: string;
  destinations: DestinationPolicy;
}) {
  const erp = createErpRegistry({ db: o.db, keyring: o.keyring, destinations: o.destinations, logger: o.logger });
  const limits = o.limits ?? TENANT_LIMITS_DEFAULT;
  const gate = createTenantGate(limits);
  const tenantDb = o.databaseUrl
    ? createTenantDb(o.databaseUrl, limits, (err) => o.logger.warn({ err }, 'idle tenant-pool connection lost'))
    : undefined;
  const pulls = createPullScheduler({ boss: o.boss });
  let timer: NodeJS.Timeout | undefined;

  async function reconcile(): Promise<void> {
    const configs = (await listScheduledEntityConfigs(o.db)).flatMap((row) => {
      const c = tryParseEntityConfig(row);
      const cron = row.sync_frequency!;
      // The API refuses these at write time; a row written with psql is not scheduled either.
      if (c instanceof StoredConfigError) {
        o.logger.warn({ tenant: row.tenant_id, config: row.id, err: c.message }, 'not scheduled: the configuration cannot be read');
        return [];
      }
      if (!flows(c, 'IN') && !isDownloadTable(c)) return [];
      if (cronProblem(cron) || cronShortestGapSeconds(cron) < limits.minScheduleSeconds) {
        o.logger.warn({ tenant: c.tenant_id, config: c.id, cron }, 'not scheduled: invalid cron or more often than MIN_SCHEDULE_SECONDS');
        return [];
      }
      return [{ ...c, timezone: row.timezone }];
    });
    const wanted = configs.flatMap((c) => {
      const pull = { configId: c.id, tenantId: c.tenant_id, cron: c.sync_frequency!, timeZone: c.timezone };
      const q = c.queries;
      // An incremental read never sees a deleted row: entities with a cursor also get a full key-set comparison.
      const reconcileRun =
        q.cursor && q.select_all && flows(c, 'IN')
          ? [
              {
                ...pull,
                key: `${c.id}/reconcile`,
                mode: 'full' as const,
                cron: q.cursor.reconcile_frequency ?? DEFAULT_RECONCILE_FREQUENCY,
              },
            ]
          : [];
      return [pull, ...reconcileRun];
    });
    const r = await reconcilePullSchedules(o.boss, wanted);
    if (r.scheduled || r.removed) o.logger.info(r, 'pull schedules updated');
  }

  return {
    /** ERP-bound items of every entity type (specific handlers registered elsewhere take precedence). */
    pushHandlers: (): PushHandlerRegistration[] => [
      { destination: 'ERP', entityType: '*', handler: createErpPushHandler({ db: o.db, erp }), transactional: true, markProcessing: true },
    ],
    async start(): Promise<void> {
      await o.boss.work<PullJobData>(
        PULL_QUEUE,
        { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 5 },
        async ([job]) => {
          // A tenant beyond its share of pull slots does not hold one waiting: its job is queued again shortly.
          const release = gate.tryAcquire('pull', job!.data.tenantId);
          if (!release) {
            await pulls.deferPull(o.db, { ...job!.data, runId: job!.data.runId ?? job!.id }, limits.pullRetrySeconds);
            o.logger.info(
              { tenant: job!.data.tenantId, config: job!.data.configId, retryInSeconds: limits.pullRetrySeconds },
              'pull deferred: tenant at TENANT_PULLS_IN_FLIGHT',
            );
            return;
          }
          let failure: string | undefined;
          try {
            const row = await findEntityConfigById(o.db, job!.data.tenantId, job!.data.configId);
            // An unreadable row goes to runPull, which reports it as a failed run.
            const config = row && tryParseEntityConfig(row);
            const runId = job!.data.runId ?? job!.id;
            if (config && !(config instanceof StoredConfigError) && isDownloadTable(config))
              await runDownload({ db: o.db, tenantDb: tenantDb?.db, erp, logger: o.logger, boss: o.boss }, row, {
                tenantId: config.tenant_id,
                runId,
              });
            else {
              const result = await runPull({ db: o.db, queue: o.queue, boss: o.boss, erp, logger: o.logger }, { ...job!.data, runId });
              if (result.status === 'failed') failure = result.error ?? 'pull failed';
            }
          } finally {
            release();
          }
          // A failed job is retried with backoff when it came from a schedule (SCHEDULED_PULL_RETRY).
          if (failure !== undefined) throw new Error(failure);
        },
      );
      await reconcile().catch((err: unknown) => o.logger.warn({ err }, 'schedule reconcile failed'));
      timer = setInterval(
        () => void reconcile().catch((err: unknown) => o.logger.warn({ err }, 'schedule reconcile failed')),
        SCHEDULE_RECONCILE_MS,
      );
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await erp.closeAll();
      await tenantDb?.close();
    },
    reconcile,
    erp,
    gate,
  };
}
