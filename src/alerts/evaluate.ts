/**
 * Issue 15 §3: one evaluation pass (the worker runs it on a timer). New conditions are raised once,
 * vanished ones resolved once — the state lives in sync_alert, and each transition is queued as a
 * Standard Webhooks event (`alert.raised` / `alert.resolved`) in the same transaction.
 */
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/schema.ts';
import { emitOperatorEvents, emitWebhookEvents, type WebhookEvent } from '../webhooks/events.ts';
import { currentConditions, thresholdsByTenant } from './conditions.ts';

const keyOf = (a: { tenant_id: string; kind: string; entity_type: string }) => `${a.tenant_id}\u0000${a.kind}\u0000${a.entity_type}`;

/** With `operator`, each transition is also queued for the operator's receiver (ALERT_OPERATOR_URL). */
export async function evaluateAlerts(
  db: Kysely<Database>,
  boss: PgBoss,
  opts: { operator?: boolean } = {},
): Promise<{ raised: number; resolved: number }> {
  const conditions = await currentConditions(db, await thresholdsByTenant(db));
  return db.transaction().execute(async (trx) => {
    const open = await trx.selectFrom('sync_alert').selectAll().where('resolved_at', 'is', null).execute();
    const now = new Set(conditions.map((c) => keyOf({ tenant_id: c.tenantId, kind: c.kind, entity_type: c.entityType })));
    const openKeys = new Set(open.map(keyOf));
    const events: WebhookEvent[] = [];
    let raised = 0;
    for (const c of conditions) {
      if (openKeys.has(keyOf({ tenant_id: c.tenantId, kind: c.kind, entity_type: c.entityType }))) continue;
      // Another worker may raise the same alert concurrently: the partial unique index keeps one, and only its inserter announces it.
      const row = await trx
        .insertInto('sync_alert')
        .values({ tenant_id: c.tenantId, kind: c.kind, entity_type: c.entityType, detail: c.detail })
        .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'entity_type']).where('resolved_at', 'is', null).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) continue;
      raised++;
      events.push({
        tenantId: row.tenant_id,
        type: 'alert.raised',
        data: {
          alert_id: row.id,
          kind: row.kind,
          entity_type: row.entity_type || null,
          detail: row.detail,
          raised_at: row.raised_at.toISOString(),
        },
      });
    }
    const gone = open.filter((a) => !now.has(keyOf(a))).map((a) => a.id);
    const resolved = gone.length
      ? await trx
          .updateTable('sync_alert')
          .set({ resolved_at: new Date() })
          .where('id', 'in', gone)
          .where('resolved_at', 'is', null)
          .returningAll()
          .execute()
      : [];
    for (const a of resolved) {
      events.push({
        tenantId: a.tenant_id,
        type: 'alert.resolved',
        data: {
          alert_id: a.id,
          kind: a.kind,
          entity_type: a.entity_type || null,
          detail: a.detail,
          raised_at: a.raised_at.toISOString(),
          resolved_at: a.resolved_at!.toISOString(),
        },
      });
    }
    await emitWebhookEvents(trx, boss, events);
    if (opts.operator) await emitOperatorEvents(trx, boss, events);
    return { raised, resolved: resolved.length };
  });
}
