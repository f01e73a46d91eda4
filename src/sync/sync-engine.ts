/**
 * The worker's sync engine: ERP pools, the ERP push handler, the pull queue and the schedule
 * reconciler that keeps pg-boss cron schedules in step with sync_entity_config.
 */
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/schema.ts';
import { createErpRegistry } from '../erp/erp-registry.ts';
import type { DestinationPolicy } from '../security/destination-policy.ts';
import { PULL_QUEUE, reconcilePullSchedules, type PullJobData } from '../queue/jobs.ts';
import type { PushHandlerRegistration } from '../queue/push-worker.ts';
import type { SyncQueue } from '../queue/sync-queue.ts';
import type { Keyring } from '../security/secret-box.ts';
import { isDownloadTable } from './agent-config.ts';
import { runDownload } from './download.ts';
import { runPull } from './pull.ts';
import { createErpPushHandler } from './push-erp.ts';

/** How often schedules are compared with the configs, ms (config changes need no restart). */
export const SCHEDULE_RECONCILE_MS = 30_000;

export function createSyncEngine(o: { db: Kysely<Database>; boss: PgBoss; queue: SyncQueue; keyring: Keyring; logger: Logger; destinations: DestinationPolicy }) {
  const erp = createErpRegistry({ db: o.db, keyring: o.keyring, destinations: o.destinations, logger: o.logger });
  let timer: NodeJS.Timeout | undefined;

  async function reconcile(): Promise<void> {
    const configs = await o.db
      .selectFrom('sync_entity_config as c')
      .innerJoin('sync_tenant as t', 't.id', 'c.tenant_id')
      .select(['c.id', 'c.tenant_id', 'c.sync_frequency', 't.timezone'])
      .where('c.enabled', '=', true)
      .select(['c.direction', 'c.queries', 'c.enabled', 'c.entity_type', 'c.erp_type', 'c.primary_key', 'c.source_table', 'c.timestamp_field', 'c.field_mapping', 'c.transform_rules', 'c.created_at', 'c.updated_at'])
      .where('c.sync_frequency', 'is not', null)
      .execute()
      .then((rows) => rows.filter((c) => c.direction !== 'OUT' || isDownloadTable({ ...c, tenant_id: c.tenant_id, sync_frequency: c.sync_frequency })));
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
        const config = await o.db.selectFrom('sync_entity_config').selectAll().where('id', '=', job!.data.configId).where('tenant_id', '=', job!.data.tenantId).executeTakeFirst();
        if (config && isDownloadTable(config)) await runDownload({ db: o.db, erp, logger: o.logger }, config, { tenantId: config.tenant_id, runId: job!.id });
        else await runPull({ db: o.db, queue: o.queue, boss: o.boss, erp, logger: o.logger }, { ...job!.data, runId: job!.id });
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
