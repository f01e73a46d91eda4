import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import type { Direction, EntityConfigRow } from './schema.ts';

/** The tenant's enabled config for an entity that flows in one of `directions` (BOTH counts for either). */
export async function findEntityConfig(
  db: Executor,
  tenantId: string,
  entityType: string,
  flow: 'IN' | 'OUT',
): Promise<EntityConfigRow | undefined> {
  const directions: Direction[] = [flow, 'BOTH'];
  return db
    .selectFrom('sync_entity_config')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('entity_type', '=', entityType)
    .where('enabled', '=', true)
    .where('direction', 'in', directions)
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * Enabled configurations of a tenant, counted under a per-tenant transaction lock so two
 * concurrent writes cannot both pass the MAX_CONFIGS_PER_TENANT check. Call inside a transaction.
 */
export async function countEnabledConfigsLocked(trx: Executor, tenantId: string, exceptId?: string): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`configs:${tenantId}`}, 0))`.execute(trx);
  let q = trx
    .selectFrom('sync_entity_config')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('enabled', '=', true);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** The tenant's enabled configs of an entity, whatever their direction (a download table is found among them). */
export async function listEnabledEntityConfigs(db: Executor, tenantId: string, entityType: string): Promise<EntityConfigRow[]> {
  return db
    .selectFrom('sync_entity_config')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('entity_type', '=', entityType)
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
}

/** The queries of every enabled config of a tenant on one ERP type, by entity (what the deep connection test dry-runs). */
export async function listEnabledQueries(
  db: Executor,
  tenantId: string,
  erpType: string,
): Promise<{ entity_type: string; queries: EntityConfigRow['queries'] }[]> {
  return db
    .selectFrom('sync_entity_config')
    .select(['entity_type', 'queries'])
    .where('tenant_id', '=', tenantId)
    .where('erp_type', '=', erpType)
    .where('enabled', '=', true)
    .orderBy('entity_type')
    .execute();
}
