/**
 * Every query of `sync_entity_config`. Rows come back raw (JSON columns untyped): the sync layer
 * reads them once into a typed config (src/sync/entity-config.ts).
 */
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from './connect.ts';
import type { Direction, EntityConfigRow, SyncEntityConfigTable } from './schema.ts';

/** Which `direction` values flow each way: BOTH counts for either. The one statement of that rule. */
export const DIRECTIONS_OF: Record<'IN' | 'OUT', readonly Direction[]> = { IN: ['IN', 'BOTH'], OUT: ['OUT', 'BOTH'] };

/** The tenant's enabled config for an entity that flows `flow` (BOTH counts for either). */
export async function findEntityConfig(
  db: Executor,
  k: { tenantId: string; entityType: string; flow: 'IN' | 'OUT' },
): Promise<EntityConfigRow | undefined> {
  return db
    .selectFrom('sync_entity_config')
    .selectAll()
    .where('tenant_id', '=', k.tenantId)
    .where('entity_type', '=', k.entityType)
    .where('enabled', '=', true)
    .where('direction', 'in', DIRECTIONS_OF[k.flow])
    .orderBy('id')
    .executeTakeFirst();
}

/** One config of the tenant by id (enabled or not). */
export async function findEntityConfigById(db: Executor, tenantId: string, id: string): Promise<EntityConfigRow | undefined> {
  return db.selectFrom('sync_entity_config').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/**
 * The tenant's configs, ordered by entity type then ERP type; `enabled` and `flow` narrow them,
 * `erpType` and `entityType` pick one ERP or one entity.
 */
export async function listEntityConfigs(
  db: Executor,
  tenantId: string,
  filter: { enabled?: true; flow?: 'IN' | 'OUT'; erpType?: string; entityType?: string } = {},
): Promise<EntityConfigRow[]> {
  let q = db.selectFrom('sync_entity_config').selectAll().where('tenant_id', '=', tenantId);
  if (filter.enabled) q = q.where('enabled', '=', true);
  if (filter.flow) q = q.where('direction', 'in', DIRECTIONS_OF[filter.flow]);
  if (filter.erpType !== undefined) q = q.where('erp_type', '=', filter.erpType);
  if (filter.entityType !== undefined) q = q.where('entity_type', '=', filter.entityType);
  return q.orderBy('entity_type').orderBy('erp_type').orderBy('id').execute();
}

/** Enabled configs with a schedule, of every tenant, with the tenant's time zone (the worker's reconciler). */
export async function listScheduledEntityConfigs(db: Executor): Promise<(EntityConfigRow & { timezone: string })[]> {
  return db
    .selectFrom('sync_entity_config as c')
    .innerJoin('sync_tenant as t', 't.id', 'c.tenant_id')
    .selectAll('c')
    .select('t.timezone')
    .where('c.enabled', '=', true)
    .where('c.sync_frequency', 'is not', null)
    .orderBy('c.id')
    .execute();
}

/** When any part of the tenant's configuration last changed: its configs, ERP connections or tenant row. */
export async function lastTenantConfigChange(db: Executor, tenantId: string): Promise<Date | null> {
  const r = await sql<{ at: Date | null }>`
    select greatest((select max(updated_at) from sync_entity_config where tenant_id = ${tenantId}),
                    (select max(updated_at) from sync_erp_connection where tenant_id = ${tenantId}),
                    (select updated_at from sync_tenant where id = ${tenantId})) as at`.execute(db);
  return r.rows[0]?.at ?? null;
}

type ConfigColumns = Omit<Insertable<SyncEntityConfigTable>, 'id' | 'tenant_id' | 'created_at' | 'updated_at'>;

export async function insertEntityConfig(db: Executor, tenantId: string, values: ConfigColumns): Promise<EntityConfigRow> {
  return db
    .insertInto('sync_entity_config')
    .values({ tenant_id: tenantId, ...values })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Changes one config (stamping updated_at); throws when the tenant has no config `id`. */
export async function updateEntityConfig(
  db: Executor,
  key: { tenantId: string; id: string },
  values: Omit<Updateable<SyncEntityConfigTable>, 'id' | 'tenant_id' | 'created_at' | 'updated_at'>,
): Promise<EntityConfigRow> {
  return db
    .updateTable('sync_entity_config')
    .set({ ...values, updated_at: new Date() })
    .where('tenant_id', '=', key.tenantId)
    .where('id', '=', key.id)
    .returningAll()
    .executeTakeFirstOrThrow();
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

export interface InboundFreshness {
  tenant_id: string;
  entity_type: string;
  sync_frequency: string | null;
  /** Seconds since the last successful pull's process phase; null if it never completed. */
  age: string | null;
  /** Seconds since the config was created (the age of one that never ran). */
  config_age: string;
}

/** Every enabled inbound config with the age of its last successful pull (metrics and the entity_late alert). */
export async function inboundFreshness(db: Executor): Promise<InboundFreshness[]> {
  const r = await sql<InboundFreshness>`
    select c.tenant_id, c.entity_type, c.sync_frequency, extract(epoch from now() - c.created_at)::text config_age,
           (select extract(epoch from now() - max(l.completed_at))::text from sync_log l where l.tenant_id = c.tenant_id and l.entity_type = c.entity_type
               and l.action = 'PULL' and l.phase = 'process' and l.status in ('SUCCESS', 'PARTIAL')) age
      from sync_entity_config c where c.enabled and c.direction in (${sql.join(DIRECTIONS_OF.IN)}) order by 1, 2`.execute(db);
  return r.rows;
}
