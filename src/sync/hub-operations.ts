/**
 * The operations a `run_on: "hub"` phase may ask for (entity-config-schema.ts `hubOperationSchema`):
 * our SQL, scoped to the phase's tenant and entity by bound parameters. Each returns the rows it
 * affected (a notification counts 1).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';
import type { WebhookEvent } from '../webhooks/events.ts';
import type { HubOperation } from './entity-config-schema.ts';

export interface HubOperationScope {
  tenantId: string;
  entityType: string;
  erpType: string;
  runId: string;
}

/** Queues webhook events in the caller's transaction (webhooks/events.ts bound to a pg-boss by the process). */
export type EmitWebhookEvents = (db: Executor, events: WebhookEvent[]) => Promise<number>;

export async function runHubOperation(
  deps: { db: Kysely<Database>; emit?: EmitWebhookEvents },
  op: HubOperation,
  s: HubOperationScope,
): Promise<number> {
  switch (op.op) {
    case 'notify_inbound_available': {
      if (!deps.emit) throw new Error('notify_inbound_available: webhooks cannot be queued from here');
      return deps.emit(deps.db, [
        { tenantId: s.tenantId, type: 'inbound.available', data: { entity_type: s.entityType, run_id: s.runId, reason: 'operation' } },
      ]);
    }
    case 'purge_deleted': {
      // A record still referenced by an unsettled queue item stays: its DELETE has not reached the Hub yet.
      const r = await sql`
        delete from sync_data d
         where d.tenant_id = ${s.tenantId} and d.entity_type = ${s.entityType} and d.erp_type = ${s.erpType}
           and d.status = 'DELETED' and d.updated_at < now() - make_interval(days => ${op.older_than_days})
           and not exists (select 1 from sync_queue q where q.data_id = d.id and q.status in ('PENDING', 'IN_FLIGHT', 'PROCESSING', 'RETRY'))`.execute(
        deps.db,
      );
      return Number(r.numAffectedRows ?? 0);
    }
    case 'purge_logs': {
      const r = await deps.db
        .deleteFrom('sync_log')
        .where('tenant_id', '=', s.tenantId)
        .where('entity_type', '=', s.entityType)
        .where('created_at', '<', sql<Date>`now() - make_interval(days => ${op.older_than_days})`)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    }
  }
}
