/** Reads of `sync_state` (the cursor and last outcome of each entity's sync); ingest.ts writes it. */
import type { Executor } from './connect.ts';
import type { StateRow } from './schema.ts';

/** An entity's state in one direction (its cursor, snapshot flag and last error). */
export async function findSyncState(
  db: Executor,
  key: { tenantId: string; entityType: string; erpType: string; direction: 'IN' | 'OUT' },
): Promise<StateRow | undefined> {
  return db
    .selectFrom('sync_state')
    .selectAll()
    .where('tenant_id', '=', key.tenantId)
    .where('entity_type', '=', key.entityType)
    .where('erp_type', '=', key.erpType)
    .where('direction', '=', key.direction)
    .executeTakeFirst();
}

/** Every state row of the tenant, by entity type. */
export async function listSyncStates(db: Executor, tenantId: string): Promise<StateRow[]> {
  return db.selectFrom('sync_state').selectAll().where('tenant_id', '=', tenantId).orderBy('entity_type').execute();
}
