/**
 * One row per configured entity (the console's overview and the admin CLI's `status`): its last run
 * (a pull for IN/BOTH, a download for OUT), the last successful sync, queue items by state, open alerts.
 * sync_log rows name the entity, not the ERP type: a disabled config shows no run (the runs are its
 * enabled sibling's).
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

export interface EntityOverviewRow {
  config_id: string;
  entity_type: string;
  erp_type: string;
  direction: 'IN' | 'OUT' | 'BOTH';
  enabled: boolean;
  sync_frequency: string | null;
  run_status: string | null;
  run_started_at: Date | null;
  run_finished_at: Date | null;
  run_error: string | null;
  run_metadata: Record<string, unknown> | null;
  last_sync_at: Date | null;
  freshness_seconds: number | null;
  /** Not yet delivered: PENDING, IN_FLIGHT or PROCESSING (counts arrive as bigint text). */
  pending: string;
  retry: string;
  dead: string;
  alerts: { kind: string; detail: string; raised_at: string }[];
}

export async function entityOverview(db: Executor, tenantId: string): Promise<EntityOverviewRow[]> {
  const r = await sql<EntityOverviewRow>`
    select c.id as config_id, c.entity_type, c.erp_type, c.direction, c.enabled, c.sync_frequency,
           run.status as run_status, run.started_at as run_started_at, run.completed_at as run_finished_at,
           run.error_detail as run_error, run.metadata as run_metadata,
           st.last_sync_at, extract(epoch from now() - st.last_sync_at)::float8 as freshness_seconds,
           q.pending, q.retry, q.dead,
           coalesce((select json_agg(json_build_object('kind', a.kind, 'detail', a.detail, 'raised_at', a.raised_at) order by a.id)
              from sync_alert a where a.tenant_id = c.tenant_id and a.entity_type = c.entity_type and a.resolved_at is null), '[]') as alerts
      from sync_entity_config c
      left join lateral (
        select l.status, l.started_at, l.completed_at, l.error_detail, l.metadata from sync_log l
         where l.tenant_id = c.tenant_id and l.entity_type = c.entity_type and l.phase = 'process'
           and l.action = case when c.direction = 'OUT' then 'DOWNLOAD' else 'PULL' end
         order by l.id desc limit 1) run on c.enabled
      cross join lateral (
        select count(*) filter (where q.status in ('PENDING', 'IN_FLIGHT', 'PROCESSING')) as pending,
               count(*) filter (where q.status = 'RETRY') as retry, count(*) filter (where q.status = 'DEAD') as dead
          from sync_queue q where q.tenant_id = c.tenant_id and q.entity_type = c.entity_type) q
      left join sync_state st on st.tenant_id = c.tenant_id and st.entity_type = c.entity_type and st.erp_type = c.erp_type
           and st.direction = case when c.direction = 'OUT' then 'OUT' else 'IN' end
     where c.tenant_id = ${tenantId}
     order by c.entity_type, c.direction`.execute(db);
  return r.rows;
}

/** Open alerts not tied to one entity (queue, agent), for the overview's header. */
export async function tenantWideAlerts(db: Executor, tenantId: string) {
  return db
    .selectFrom('sync_alert')
    .select(['kind', 'detail', 'raised_at'])
    .where('tenant_id', '=', tenantId)
    .where('entity_type', '=', '')
    .where('resolved_at', 'is', null)
    .orderBy('id')
    .execute();
}
