/**
 * ERP records a transform rule refused (sync_record_error): kept until the record converts again,
 * so a refusal stays visible in /sync/status instead of vanishing once outside the look-back.
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import type { SnapshotKeys } from './snapshot-keys.ts';

export interface EntityKey {
  tenantId: string;
  entityType: string;
  erpType: string;
}

export async function keepRecordErrors(db: Executor, k: EntityKey, errors: { entityId: string; message: string }[]): Promise<void> {
  const unique = [...new Map(errors.map((e) => [e.entityId, e])).values()];
  if (!unique.length) return;
  await sql`
    insert into sync_record_error (tenant_id, entity_type, erp_type, entity_id, message)
    select ${k.tenantId}, ${k.entityType}, ${k.erpType}, x.entity_id, x.message
      from jsonb_to_recordset(${JSON.stringify(unique.map((e) => ({ entity_id: e.entityId, message: e.message })))}::jsonb) as x(entity_id text, message text)
    on conflict (tenant_id, entity_type, erp_type, entity_id) do update set message = excluded.message, last_seen_at = now()`.execute(db);
}

/** The records that converted this time are no longer in error. */
export async function clearRecordErrors(db: Executor, k: EntityKey, entityIds: string[]): Promise<void> {
  if (!entityIds.length) return;
  await db
    .deleteFrom('sync_record_error')
    .where('tenant_id', '=', k.tenantId)
    .where('entity_type', '=', k.entityType)
    .where('erp_type', '=', k.erpType)
    // One array parameter, not one bind parameter per id (a pull clears up to a whole batch each time).
    .where('entity_id', '=', sql<string>`any(${entityIds}::text[])`)
    .execute();
}

/** After a complete snapshot: records no longer in the ERP are no longer in error either. */
export async function clearRecordErrorsNotIn(db: Executor, k: EntityKey, seen: SnapshotKeys): Promise<void> {
  await sql`delete from sync_record_error where tenant_id = ${k.tenantId} and entity_type = ${k.entityType} and erp_type = ${k.erpType}
             and ${seen.notSeen(sql.ref('sync_record_error.entity_id'))}`.execute(db);
}

export async function listRecordErrors(db: Executor, k: EntityKey, limit = 50) {
  return db
    .selectFrom('sync_record_error')
    .select(['entity_id', 'message', 'first_seen_at', 'last_seen_at'])
    .where('tenant_id', '=', k.tenantId)
    .where('entity_type', '=', k.entityType)
    .where('erp_type', '=', k.erpType)
    .orderBy('entity_id')
    .limit(limit)
    .execute();
}
