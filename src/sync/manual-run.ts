/**
 * A manual run (seed 000 §3.4): the HTTP route `POST /api/v1/sync/run` and the admin CLI's `run`
 * both call this, so "run now" means the same thing everywhere.
 */
import type { Kysely } from 'kysely';
import { findEntityConfig, listEntityConfigs } from '../db/entity-configs.ts';
import type { Database } from '../db/schema.ts';
import { isDownloadTable, readableConfigs } from './entity-config.ts';
import type { PullScheduler } from './pull-scheduler.ts';
import { TenantBusyError } from './tenant-limits.ts';

/** Seconds a refused manual run is told to wait (a pull usually finishes within this). */
export const RUN_RETRY_AFTER_SECONDS = 30;

/**
 * Queues a pull (ERP → Hub) of the entity's enabled inbound config, or else of its download table.
 * Returns undefined when the entity has neither; throws TenantBusyError when the tenant already has
 * `runsInFlight` runs queued or running.
 */
export async function startManualRun(
  db: Kysely<Database>,
  pulls: Pick<PullScheduler, 'triggerPullCapped'>,
  o: { tenantId: string; entityType: string; mode?: 'full'; confirmDeletes?: boolean; runsInFlight: number },
): Promise<{ runId: string; entityType: string } | undefined> {
  const config =
    (await findEntityConfig(db, { tenantId: o.tenantId, entityType: o.entityType, flow: 'IN' })) ??
    readableConfigs(await listEntityConfigs(db, o.tenantId, { enabled: true, entityType: o.entityType })).find(isDownloadTable);
  if (!config) return undefined;
  const runId = await pulls.triggerPullCapped(
    db,
    {
      tenantId: o.tenantId,
      configId: config.id,
      ...(o.mode ? { mode: o.mode } : {}),
      ...(o.confirmDeletes ? { confirmDeletes: true } : {}),
    },
    o.runsInFlight,
  );
  if (!runId) {
    throw new TenantBusyError(
      `${o.runsInFlight} runs of this tenant are already queued or running (limit TENANT_RUNS_IN_FLIGHT); retry in ${RUN_RETRY_AFTER_SECONDS} s`,
      RUN_RETRY_AFTER_SECONDS,
    );
  }
  return { runId, entityType: config.entity_type };
}
