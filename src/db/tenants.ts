import type { Executor } from './connect.ts';
import type { Tenant } from './schema.ts';

/** The zone a tenant's wall-clock times are in when it names none (also the column's default). */
export const DEFAULT_TIME_ZONE = 'UTC';

/** Inserts a tenant; throws the database's unique violation (23505) if the id exists. */
export async function createTenant(
  db: Executor,
  t: { id: string; name: string; timezone?: string; webhookUrl?: string | null },
): Promise<Tenant> {
  return db
    .insertInto('sync_tenant')
    .values({ id: t.id, name: t.name, timezone: t.timezone ?? DEFAULT_TIME_ZONE, webhook_url: t.webhookUrl ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Every tenant, by id. */
export async function listTenants(db: Executor): Promise<Tenant[]> {
  return db.selectFrom('sync_tenant').selectAll().orderBy('id').execute();
}

export async function findTenant(db: Executor, id: string): Promise<Tenant | undefined> {
  return db.selectFrom('sync_tenant').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The tenant's IANA time zone (its ERP's wall clock); UTC for an unknown tenant. */
export async function tenantTimeZone(db: Executor, tenantId: string): Promise<string> {
  return (await findTenant(db, tenantId))?.timezone ?? DEFAULT_TIME_ZONE;
}
