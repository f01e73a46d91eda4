/** Reads of `sync_alert` for the API (alerts/evaluate.ts raises and resolves them). */
import type { Executor } from './connect.ts';
import type { AlertRow } from './schema.ts';

/** The tenant's alerts: open ones only, or all with the open first; newest first. */
export async function listAlerts(db: Executor, tenantId: string, o: { openOnly: boolean; limit: number }): Promise<AlertRow[]> {
  let q = db.selectFrom('sync_alert').selectAll().where('tenant_id', '=', tenantId);
  if (o.openOnly) q = q.where('resolved_at', 'is', null);
  return q
    .orderBy((eb) => eb('resolved_at', 'is', null), 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit)
    .execute();
}
