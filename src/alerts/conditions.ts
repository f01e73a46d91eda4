/** Issue 15 §3: what is wrong right now, per tenant and entity, from the database (the data layer of alerts). */
import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { inboundFreshness } from '../db/entity-configs.ts';
import type { AlertKind } from '../db/schema.ts';
import { schedulePeriodSeconds } from '../core/schedule.ts';

export interface AlertThresholds {
  /** Consecutive failed pulls of an entity. */
  pullFailures: number;
  /** Late when freshness > lateFactor × schedule period. */
  lateFactor: number;
  /** Oldest PENDING/RETRY item older than this, seconds. */
  queueAgeSeconds: number;
  /** More PENDING/RETRY items than this. */
  queueSize: number;
  /** An agent key that was used once and not for this long, seconds. */
  agentSilenceSeconds: number;
}

export const ALERT_THRESHOLD_DEFAULTS: AlertThresholds = {
  pullFailures: 3,
  lateFactor: 3,
  queueAgeSeconds: 3600,
  queueSize: 10_000,
  agentSilenceSeconds: 3600,
};

export interface AlertCondition {
  tenantId: string;
  kind: AlertKind;
  /** '' for tenant-wide conditions. */
  entityType: string;
  detail: string;
}

export async function thresholdsByTenant(db: Executor): Promise<Map<string, AlertThresholds>> {
  const rows = await db
    .selectFrom('sync_tenant as t')
    .leftJoin('sync_alert_threshold as a', 'a.tenant_id', 't.id')
    .select(['t.id', 'a.pull_failures', 'a.late_factor', 'a.queue_age_seconds', 'a.queue_size', 'a.agent_silence_seconds'])
    .execute();
  const d = ALERT_THRESHOLD_DEFAULTS;
  return new Map(
    rows.map((r) => [
      r.id,
      {
        pullFailures: r.pull_failures ?? d.pullFailures,
        lateFactor: r.late_factor !== null ? Number(r.late_factor) : d.lateFactor,
        queueAgeSeconds: r.queue_age_seconds ?? d.queueAgeSeconds,
        queueSize: r.queue_size ?? d.queueSize,
        agentSilenceSeconds: r.agent_silence_seconds ?? d.agentSilenceSeconds,
      },
    ]),
  );
}

export async function currentConditions(db: Executor, thresholds: Map<string, AlertThresholds>): Promise<AlertCondition[]> {
  const th = (tenant: string) => thresholds.get(tenant) ?? ALERT_THRESHOLD_DEFAULTS;
  const out: AlertCondition[] = [];

  // The latest pull outcomes per entity, newest first (enough rows for the largest threshold).
  const maxN = Math.max(ALERT_THRESHOLD_DEFAULTS.pullFailures, ...[...thresholds.values()].map((t) => t.pullFailures));
  const recent = await sql<{ tenant_id: string; entity_type: string; statuses: string[]; last_error: string | null }>`
    select tenant_id, entity_type, array_agg(status order by id desc) statuses, (array_agg(coalesce(error_detail, message) order by id desc))[1] last_error
      from (select l.*, row_number() over (partition by tenant_id, entity_type order by id desc) rn
              from sync_log l where action = 'PULL' and phase = 'process' and entity_type is not null) x
     where rn <= ${maxN} group by 1, 2`.execute(db);
  for (const r of recent.rows) {
    const n = th(r.tenant_id).pullFailures;
    if (r.statuses.length >= n && r.statuses.slice(0, n).every((s) => s === 'FAILED')) {
      out.push({
        tenantId: r.tenant_id,
        kind: 'pull_failing',
        entityType: r.entity_type,
        detail: `${n} failed pulls in a row; last: ${(r.last_error ?? '').slice(0, 300)}`,
      });
    }
  }

  const fresh = await inboundFreshness(db);
  for (const r of fresh) {
    const period = schedulePeriodSeconds(r.sync_frequency);
    if (period === undefined) continue;
    const limit = th(r.tenant_id).lateFactor * period;
    const age = Number(r.age ?? r.config_age);
    if (age > limit)
      out.push({
        tenantId: r.tenant_id,
        kind: 'entity_late',
        entityType: r.entity_type,
        detail: `${r.age === null ? 'never pulled' : `last successful pull ${Math.round(age)} s ago`}; schedule ${r.sync_frequency} allows ${Math.round(limit)} s`,
      });
  }

  const dead = await sql<{ tenant_id: string; entity_type: string; n: string }>`
    select tenant_id, entity_type, count(*)::text n from sync_queue where status = 'DEAD' group by 1, 2`.execute(db);
  for (const r of dead.rows)
    out.push({
      tenantId: r.tenant_id,
      kind: 'dead_items',
      entityType: r.entity_type,
      detail: `${r.n} DEAD item(s): retry or discard them`,
    });

  const queue = await sql<{ tenant_id: string; n: string; age: string }>`
    select tenant_id, count(*)::text n, extract(epoch from now() - min(created_at))::text age from sync_queue where status in ('PENDING', 'RETRY') group by 1`.execute(
    db,
  );
  for (const r of queue.rows) {
    const t = th(r.tenant_id);
    if (Number(r.age) > t.queueAgeSeconds)
      out.push({
        tenantId: r.tenant_id,
        kind: 'queue_old',
        entityType: '',
        detail: `oldest pending item waits ${Math.round(Number(r.age))} s (limit ${t.queueAgeSeconds} s)`,
      });
    if (Number(r.n) > t.queueSize)
      out.push({ tenantId: r.tenant_id, kind: 'queue_large', entityType: '', detail: `${r.n} items pending (limit ${t.queueSize})` });
  }

  const agents = await sql<{ tenant_id: string; age: string }>`
    select tenant_id, extract(epoch from now() - max(last_used_at))::text age from sync_api_key
     where 'agent' = any(scopes) and revoked_at is null and last_used_at is not null group by 1`.execute(db);
  for (const r of agents.rows) {
    const t = th(r.tenant_id);
    if (Number(r.age) > t.agentSilenceSeconds)
      out.push({
        tenantId: r.tenant_id,
        kind: 'agent_silent',
        entityType: '',
        detail: `site agent not seen for ${Math.round(Number(r.age))} s (limit ${t.agentSilenceSeconds} s)`,
      });
  }
  return out;
}
