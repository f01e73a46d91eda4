/**
 * Metrics read from the database at scrape time: the worker writes queue rows and sync_log, so the
 * server reports what every worker process did without sharing memory with them. Log-derived
 * totals only grow while sync_log is kept (they are counters in that sense).
 */
import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { inboundFreshness } from '../db/entity-configs.ts';
import type { Family } from './exposition.ts';
import { schedulePeriodSeconds } from '../core/schedule.ts';

/** Upper bounds of the pull duration histogram, seconds. */
export const PULL_DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600];

export async function databaseFamilies(db: Executor): Promise<Family[]> {
  const queue = await sql<{ tenant_id: string; entity_type: string; destination: string; status: string; n: string }>`
    select tenant_id, entity_type, destination, status, count(*)::text n from sync_queue group by 1, 2, 3, 4 order by 1, 2, 3, 4`.execute(
    db,
  );
  const oldest = await sql<{ tenant_id: string; entity_type: string; destination: string; age: string }>`
    select tenant_id, entity_type, destination, extract(epoch from now() - min(created_at))::text age
      from sync_queue where status in ('PENDING', 'RETRY') group by 1, 2, 3 order by 1, 2, 3`.execute(db);
  const runs = await sql<{
    tenant_id: string;
    entity_type: string;
    status: string;
    n: string;
    read: string;
    changed: string;
    deleted: string;
  }>`
    select tenant_id, coalesce(entity_type, '') entity_type, status, count(*)::text n,
           coalesce(sum((metadata->>'read')::bigint), 0)::text read, coalesce(sum((metadata->>'changed')::bigint), 0)::text changed,
           coalesce(sum((metadata->>'deleted')::bigint), 0)::text deleted
      from sync_log where action = 'PULL' and phase = 'process' group by 1, 2, 3 order by 1, 2, 3`.execute(db);
  const buckets = PULL_DURATION_BUCKETS.map((b) => sql`count(*) filter (where duration_ms <= ${b * 1000})::text`);
  const durations = await sql<{ tenant_id: string; entity_type: string; n: string; total_ms: string; b: string[] }>`
    select tenant_id, coalesce(entity_type, '') entity_type, count(*)::text n, coalesce(sum(duration_ms), 0)::text total_ms,
           array[${sql.join(buckets)}] b
      from sync_log where action = 'PULL' and phase = 'process' and duration_ms is not null group by 1, 2 order by 1, 2`.execute(db);
  const erpErrors = await sql<{ tenant_id: string; entity_type: string; number: string; n: string }>`
    select tenant_id, coalesce(entity_type, '') entity_type, substring(coalesce(error_detail, message) from 'SQL Server error ([0-9]+)') number, count(*)::text n
      from sync_log where status in ('FAILED', 'DEAD', 'RETRY') and coalesce(error_detail, message) ~ 'SQL Server error [0-9]+'
     group by 1, 2, 3 order by 1, 2, 3`.execute(db);
  const webhooks = await sql<{ tenant_id: string; status: string; n: string }>`
    select tenant_id, status, count(*)::text n from sync_log where action = 'WEBHOOK' group by 1, 2 order by 1, 2`.execute(db);
  const fresh = await inboundFreshness(db);
  const alerts = await sql<{ tenant_id: string; kind: string; entity_type: string }>`
    select tenant_id, kind, entity_type from sync_alert where resolved_at is null order by 1, 2, 3`.execute(db);
  const alertTotals = await sql<{ tenant_id: string; kind: string; n: string }>`
    select tenant_id, kind, count(*)::text n from sync_alert group by 1, 2 order by 1, 2`.execute(db);
  const beat = await sql<{
    age: string | null;
  }>`select extract(epoch from now() - max(beat_at))::text age from sync_worker_heartbeat`.execute(db);

  const sec = (s: string) => Math.max(0, Math.round(Number(s) * 1000) / 1000);
  return [
    {
      name: 'parse_sync_queue_items',
      help: 'Queue items by tenant, entity, destination and status.',
      type: 'gauge',
      samples: queue.rows.map((r) => ({
        labels: { tenant: r.tenant_id, entity: r.entity_type, destination: r.destination, status: r.status },
        value: Number(r.n),
      })),
    },
    {
      name: 'parse_sync_queue_oldest_pending_age_seconds',
      help: 'Age of the oldest PENDING or RETRY queue item, seconds.',
      type: 'gauge',
      samples: oldest.rows.map((r) => ({
        labels: { tenant: r.tenant_id, entity: r.entity_type, destination: r.destination },
        value: sec(r.age),
      })),
    },
    {
      name: 'parse_sync_pull_runs_total',
      help: 'ERP pull runs by outcome (SUCCESS, PARTIAL, FAILED).',
      type: 'counter',
      samples: runs.rows.map((r) => ({ labels: { tenant: r.tenant_id, entity: r.entity_type, status: r.status }, value: Number(r.n) })),
    },
    {
      name: 'parse_sync_pull_rows_total',
      help: 'Rows of ERP pulls: read from the ERP, changed in the hub, marked deleted.',
      type: 'counter',
      samples: runs.rows.flatMap((r) =>
        (['read', 'changed', 'deleted'] as const).map((kind) => ({
          labels: { tenant: r.tenant_id, entity: r.entity_type, status: r.status, kind },
          value: Number(r[kind]),
        })),
      ),
    },
    {
      name: 'parse_sync_pull_duration_seconds',
      help: 'Duration of ERP pull runs, seconds.',
      type: 'histogram',
      samples: [],
      histograms: durations.rows.map((r) => ({
        labels: { tenant: r.tenant_id, entity: r.entity_type },
        buckets: PULL_DURATION_BUCKETS.map((b, i) => [b, Number(r.b[i])] as [number, number]),
        sum: Number(r.total_ms) / 1000,
        count: Number(r.n),
      })),
    },
    {
      name: 'parse_sync_erp_errors_total',
      help: 'ERP failures by SQL Server error number.',
      type: 'counter',
      samples: erpErrors.rows.map((r) => ({
        labels: { tenant: r.tenant_id, entity: r.entity_type, number: r.number },
        value: Number(r.n),
      })),
    },
    {
      name: 'parse_sync_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (SUCCESS, RETRY, DEAD).',
      type: 'counter',
      samples: webhooks.rows.map((r) => ({ labels: { tenant: r.tenant_id, outcome: r.status }, value: Number(r.n) })),
    },
    {
      name: 'parse_sync_entity_freshness_seconds',
      help: 'Seconds since the last successful pull of an entity (absent when it never ran).',
      type: 'gauge',
      samples: fresh
        .filter((r) => r.age !== null)
        .map((r) => ({ labels: { tenant: r.tenant_id, entity: r.entity_type, schedule: r.sync_frequency ?? '' }, value: sec(r.age!) })),
    },
    {
      name: 'parse_sync_entity_schedule_period_seconds',
      help: 'Nominal period of the entity pull schedule, seconds (compare with freshness).',
      type: 'gauge',
      samples: fresh.flatMap((r) => {
        const p = schedulePeriodSeconds(r.sync_frequency);
        return p === undefined
          ? []
          : [{ labels: { tenant: r.tenant_id, entity: r.entity_type, schedule: r.sync_frequency ?? '' }, value: p }];
      }),
    },
    {
      name: 'parse_sync_entity_never_run',
      help: '1 for an enabled pull entity that never completed a pull.',
      type: 'gauge',
      samples: fresh.map((r) => ({ labels: { tenant: r.tenant_id, entity: r.entity_type }, value: r.age === null ? 1 : 0 })),
    },
    {
      name: 'parse_sync_alerts_open',
      help: 'Open alerts (1 per tenant, kind and entity; entity empty for tenant-wide alerts).',
      type: 'gauge',
      samples: alerts.rows.map((r) => ({ labels: { tenant: r.tenant_id, kind: r.kind, entity: r.entity_type }, value: 1 })),
    },
    {
      name: 'parse_sync_alerts_raised_total',
      help: 'Alerts raised since the database was created, by kind.',
      type: 'counter',
      samples: alertTotals.rows.map((r) => ({ labels: { tenant: r.tenant_id, kind: r.kind }, value: Number(r.n) })),
    },
    {
      name: 'parse_sync_worker_heartbeat_age_seconds',
      help: 'Seconds since the newest worker heartbeat (absent when no worker runs).',
      type: 'gauge',
      samples: beat.rows[0]?.age ? [{ labels: {}, value: sec(beat.rows[0].age) }] : [],
    },
  ];
}
