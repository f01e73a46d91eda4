/** One row per configured entity of a tenant: its last pull, freshness and queue counts (the admin CLI's `status`). */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

export interface EntityOverview {
  entity_type: string;
  /** The directions of its configs, e.g. ['IN'] or ['IN', 'OUT']. */
  directions: string[];
  last_status: string | null;
  last_finished_at: Date | null;
  rows_read: number;
  rows_changed: number;
  rows_deleted: number;
  /** Seconds since the last successful (or partial) pull; null when none ever succeeded. */
  freshness_seconds: number | null;
  /** Items not yet delivered: PENDING, IN_FLIGHT or PROCESSING. */
  pending: number;
  retry: number;
  dead: number;
}

export async function listEntityOverview(db: Executor, tenantId: string): Promise<EntityOverview[]> {
  const r = await sql<{
    entity_type: string;
    directions: string[];
    last_status: string | null;
    last_finished_at: Date | null;
    metadata: { read?: number; changed?: number; deleted?: number } | null;
    freshness: string | null;
    pending: string;
    retry: string;
    dead: string;
  }>`
    with e as (
      select entity_type, array_agg(distinct direction order by direction) directions
        from sync_entity_config where tenant_id = ${tenantId} and enabled group by entity_type)
    select e.entity_type, e.directions, l.status last_status, l.completed_at last_finished_at, l.metadata,
           (select extract(epoch from now() - max(s.completed_at))::text from sync_log s
             where s.tenant_id = ${tenantId} and s.entity_type = e.entity_type and s.action = 'PULL' and s.phase = 'process'
               and s.status in ('SUCCESS', 'PARTIAL')) freshness,
           q.pending::text, q.retry::text, q.dead::text
      from e
      left join lateral (
        select status, completed_at, metadata from sync_log
         where tenant_id = ${tenantId} and entity_type = e.entity_type and action = 'PULL' and phase = 'process'
         order by id desc limit 1) l on true
      cross join lateral (
        select count(*) filter (where status in ('PENDING', 'IN_FLIGHT', 'PROCESSING')) pending,
               count(*) filter (where status = 'RETRY') retry, count(*) filter (where status = 'DEAD') dead
          from sync_queue where tenant_id = ${tenantId} and entity_type = e.entity_type) q
     order by e.entity_type`.execute(db);
  return r.rows.map((x) => ({
    entity_type: x.entity_type,
    directions: x.directions,
    last_status: x.last_status,
    last_finished_at: x.last_finished_at,
    rows_read: x.metadata?.read ?? 0,
    rows_changed: x.metadata?.changed ?? 0,
    rows_deleted: x.metadata?.deleted ?? 0,
    freshness_seconds: x.freshness === null ? null : Number(x.freshness),
    pending: Number(x.pending),
    retry: Number(x.retry),
    dead: Number(x.dead),
  }));
}
