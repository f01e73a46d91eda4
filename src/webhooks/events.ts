/** Webhook events to the Hub: built here, queued as pg-boss jobs in the caller's transaction. */
import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import type { Executor } from '../db/connect.ts';
import { insertWebhookJobs, type WebhookJobData } from '../queue/jobs.ts';
import type { SettledItem } from '../queue/push-worker.ts';
import type { OnDeadLeases } from '../queue/lease.ts';

import type { WebhookEventType } from '../contract/webhook-events.ts';

export type { WebhookEventType };

export interface WebhookEvent {
  tenantId: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/** The first delivery job of an event. Its body is fixed now: every retry sends the same bytes under the same webhook-id. */
function firstDelivery(e: WebhookEvent, timestamp: string, operator: boolean): { data: WebhookJobData } {
  return {
    data: {
      eventId: `msg_${randomUUID().replaceAll('-', '')}`,
      tenantId: e.tenantId,
      type: e.type,
      body: JSON.stringify({ type: e.type, timestamp, data: e.data }),
      attempt: 1,
      ...(operator ? { operator: true as const } : {}),
    },
  };
}

/** Queues one delivery per event for tenants that have a webhook_url; others are skipped. */
export async function emitWebhookEvents(db: Executor, boss: PgBoss, events: WebhookEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const tenants = [...new Set(events.map((e) => e.tenantId))];
  const withUrl = new Set(
    (await db.selectFrom('sync_tenant').select('id').where('id', 'in', tenants).where('webhook_url', 'is not', null).execute()).map(
      (t) => t.id,
    ),
  );
  const now = new Date().toISOString();
  const jobs = events.filter((e) => withUrl.has(e.tenantId)).map((e) => firstDelivery(e, now, false));
  await insertWebhookJobs(boss, db, jobs);
  return jobs.length;
}

/** Copies for the operator's receiver: every tenant's event (the data names the tenant), webhook or not. */
export async function emitOperatorEvents(db: Executor, boss: PgBoss, events: WebhookEvent[]): Promise<void> {
  const now = new Date().toISOString();
  await insertWebhookJobs(
    boss,
    db,
    events.map((e) => firstDelivery({ ...e, data: { tenant_id: e.tenantId, ...e.data } }, now, true)),
  );
}

/** sync.completed / sync.failed for the settled items the Hub sent (worker batches and agent acknowledgements alike). */
export async function emitHubOutcomeEvents(db: Executor, boss: PgBoss, settled: SettledItem[]): Promise<void> {
  await emitWebhookEvents(
    db,
    boss,
    settled
      .filter((s) => s.row.source === 'HUB')
      .map((s): WebhookEvent => {
        const base = { sync_id: s.row.id, entity_type: s.row.entity_type, entity_id: s.row.entity_id };
        return s.status === 'COMPLETED'
          ? { tenantId: s.row.tenant_id, type: 'sync.completed', data: { ...base, external_id: s.externalId } }
          : { tenantId: s.row.tenant_id, type: 'sync.failed', data: { ...base, error: s.error } };
      }),
  );
}

/** The queue's `onDeadLeases` hook: each Hub-bound item that went DEAD becomes an `inbound.dead` event. */
export function announceDeadLeases(boss: PgBoss): OnDeadLeases {
  return (db, dead) =>
    emitWebhookEvents(
      db,
      boss,
      dead.map((r) => ({
        tenantId: r.tenant_id,
        type: 'inbound.dead' as const,
        data: {
          sync_id: r.id,
          entity_type: r.entity_type,
          entity_id: r.entity_id,
          action: r.action,
          leases: r.retry_count,
          error: 'lease expired before the consumer acknowledged it',
        },
      })),
    ).then(() => undefined);
}
