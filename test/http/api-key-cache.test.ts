/**
 * API-key lookups are cached for a short TTL and last_used_at is written in batches: a cached key
 * costs no round trip, a revocation takes effect once the TTL has passed, and unknown keys are
 * never cached (a new key works at once).
 */
import t from 'tap';
import { insertApiKey, revokeApiKey } from '../../src/db/api-keys.ts';
import { createTenant } from '../../src/db/tenants.ts';
import { createApiKeyCache } from '../../src/http/api-key-cache.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { startTestApi } from '../helpers/api.ts';
import { createTestDatabase } from '../helpers/db.ts';

t.test('a revoked key is refused once the TTL has passed, not before', async (t) => {
  const db = await createTestDatabase(t);
  await createTenant(db.db, { id: 'acme', name: 'ACME' });
  const k = generateApiKey();
  let clock = 1_000_000;
  const cache = createApiKeyCache({ db: db.db }, { ttlMs: 5_000, now: () => clock });
  t.teardown(() => cache.close());

  t.equal(await cache.find(k.hash), undefined, 'unknown key');
  await insertApiKey(db.db, { tenantId: 'acme', hash: k.hash, prefix: k.prefix, scopes: ['hub'] });
  t.equal((await cache.find(k.hash))?.prefix, k.prefix, 'a miss is not cached: the new key works at once');

  await revokeApiKey(db.db, k.prefix);
  clock += 4_999;
  t.equal((await cache.find(k.hash))?.prefix, k.prefix, 'within the TTL the cached key still answers');
  clock += 2;
  t.equal(await cache.find(k.hash), undefined, 'past the TTL the revocation is seen');
  t.equal(await cache.find(k.hash), undefined, 'and a revoked key is not cached');
});

t.test('TTL 0 disables the cache: revocation is immediate', async (t) => {
  const db = await createTestDatabase(t);
  await createTenant(db.db, { id: 'acme', name: 'ACME' });
  const k = generateApiKey();
  await insertApiKey(db.db, { tenantId: 'acme', hash: k.hash, prefix: k.prefix, scopes: ['hub'] });
  const cache = createApiKeyCache({ db: db.db }, { ttlMs: 0 });
  t.teardown(() => cache.close());
  t.ok(await cache.find(k.hash));
  await revokeApiKey(db.db, k.prefix);
  t.equal(await cache.find(k.hash), undefined);
});

t.test('last_used_at: requests do not write it; one batched UPDATE per flush, at most once a minute', async (t) => {
  const api = await startTestApi(t);
  const lastUsed = async () =>
    (
      await api.db.pool.query<{ prefix: string; last_used_at: Date | null }>(
        'select prefix, last_used_at from sync_api_key where last_used_at is not null',
      )
    ).rows;
  for (let i = 0; i < 5; i++) t.equal((await api.call('GET', '/api/v1/sync/inbound/PROVEEDOR', { key: api.keys.hub })).status, 200);
  t.equal((await api.call('GET', '/api/v1/sync/inbound/PROVEEDOR', { key: api.keys.otherHub })).status, 200);
  t.same(await lastUsed(), [], 'nothing written while serving requests');
  await api.app.close();
  const rows = await lastUsed();
  t.equal(rows.length, 2, 'both used keys written when the server closes');
});
