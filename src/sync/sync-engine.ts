/**
 * The worker's sync engine: ERP pools, the ERP push handler, the pull queue and the schedule
 * reconciler that keeps pg-boss cron schedules in step with sync_entity_config.
 */
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/schema.ts';
import { createErpRegistry } from '../erp/erp-registry.ts';
import { PULL_QUEUE, reconcilePullSchedules, type PullJobData } from '../queue/jobs.ts';
import type { PushHandlerRegistration } from '../queue/push-worker.ts';
import type { SyncQueue } from '../queue/sync-queue.ts';
import type { Keyring } from '../security/secret-box.ts';
import { runPull } from './pull.ts';
import { createErpPushHandler } from './push-erp.ts';

/** How often schedules are compared with the configs, ms (config changes need no restart). */
export const SCHEDULE_RECONCILE_MS = 30_000;

export function createSyncEngine(o: { db: Kysely<Database>; boss: PgBoss; queue: SyncQueue; keyring: Keyring; logger: Logger }) {
  const erp = createErpRegistry({ db: o.db, keyring: o.keyring });
  let timer: NodeJS.Timeout | undefined;

  async function reconcile(): Promise<void> {
    const configs = await o.db
      .selectFrom('sync_entity_config as c')
      .innerJoin('sync_tenant as t', 't.id', 'c.tenant_id')
      .select(['c.id', 'c.tenant_id', 'c.sync_frequency', 't.timezone'])
      .where('c.enabled', '=', true)
      .where('c.direction', 'in', ['IN', 'BOTH'])
      .where('c.sync_frequency', 'is not', null)
      .execute();
    const r = await reconcilePullSchedules(o.boss, configs.map((c) => ({ configId: c.id, tenantId: c.tenant_id, cron: c.sync_frequency!, timeZone: c.timezone })));
    if (r.scheduled || r.removed) o.logger.info(r, 'pull schedules updated');
  }

  return {
    /** ERP-bound items of every entity type (specific handlers registered elsewhere take precedence). */
    pushHandlers: (): PushHandlerRegistration[] => [
      { destination: 'ERP', entityType: '*', handler: createErpPushHandler({ db: o.db, erp }), transactional: true, markProcessing: true },
    ],
    async start(): Promise<void> {
      await o.boss.work<PullJobData>(PULL_QUEUE, { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 5 }, async ([job]) => {
        await runPull({ db: o.db, queue: o.queue, boss: o.boss, erp, logger: o.logger }, { ...job!.data, runId: job!.id });
      });
      await reconcile().catch((err: unknown) => o.logger.warn({ err }, 'schedule reconcile failed'));
      timer = setInterval(() => void reconcile().catch((err: unknown) => o.logger.warn({ err }, 'schedule reconcile failed')), SCHEDULE_RECONCILE_MS);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await erp.closeAll();
    },
    reconcile,
    erp,
  };
}
