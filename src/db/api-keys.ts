import type { Executor } from './connect.ts';
import type { ApiKeyRow, ApiScope } from './schema.ts';

export async function insertApiKey(
  db: Executor,
  k: { tenantId: string; hash: string; prefix: string; scopes: ApiScope[] },
): Promise<ApiKeyRow> {
  return db
    .insertInto('sync_api_key')
    .values({ tenant_id: k.tenantId, key_hash: k.hash, prefix: k.prefix, scopes: k.scopes })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Live (not revoked) key by hash. */
export async function findApiKeyByHash(db: Executor, hash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('sync_api_key').selectAll().where('key_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function listApiKeys(db: Executor, tenantId: string): Promise<Omit<ApiKeyRow, 'key_hash'>[]> {
  return db
    .selectFrom('sync_api_key')
    .select(['id', 'tenant_id', 'prefix', 'scopes', 'created_at', 'last_used_at', 'revoked_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .execute();
}

/** Revokes by display prefix; returns how many keys it revoked (0 or 1). */
export async function revokeApiKey(db: Executor, prefix: string): Promise<number> {
  const r = await db
    .updateTable('sync_api_key')
    .set({ revoked_at: new Date() })
    .where('prefix', '=', prefix)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Records use at most once a minute per key (hot keys do not write on every request): one UPDATE for every key used since the last flush. */
export async function touchApiKeys(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('sync_api_key')
    .set({ last_used_at: new Date() })
    .where('id', 'in', ids)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(Date.now() - 60_000))]))
    .execute();
}
