/** Issue 15: the audit trail of entity configs and ERP connections — listable, and each version restorable. */
import type { Executor } from './connect.ts';
import type { SyncConfigHistoryTable } from './schema.ts';
import type { Selectable } from 'kysely';

export type ConfigHistoryKind = SyncConfigHistoryTable['kind'];
export type ConfigHistoryRow = Selectable<SyncConfigHistoryTable>;

/** Columns that never enter the history: the sealed password (restoring a connection keeps the current one). */
const SECRET_COLUMNS = new Set(['password']);

/** A row as plain JSON with its secrets replaced by whether one was set. */
export function redactRow(row: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (SECRET_COLUMNS.has(k)) out[`${k}_set`] = v !== null && v !== undefined;
    else out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

export async function recordConfigChange(
  db: Executor,
  c: { tenantId: string; kind: ConfigHistoryKind; targetId: string; changedBy: string | null; before: object | undefined; after: object },
): Promise<void> {
  await db
    .insertInto('sync_config_history')
    .values({
      tenant_id: c.tenantId,
      kind: c.kind,
      target_id: c.targetId,
      changed_by: c.changedBy,
      before: c.before ? JSON.stringify(redactRow(c.before)) : null,
      after: JSON.stringify(redactRow(c.after)),
    })
    .execute();
}

export async function listConfigHistory(
  db: Executor,
  tenantId: string,
  filter: { kind?: ConfigHistoryKind; targetId?: string; limit: number },
): Promise<ConfigHistoryRow[]> {
  let q = db.selectFrom('sync_config_history').selectAll().where('tenant_id', '=', tenantId);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
  return q.orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function findConfigHistory(db: Executor, tenantId: string, id: string): Promise<ConfigHistoryRow | undefined> {
  return db.selectFrom('sync_config_history').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}
