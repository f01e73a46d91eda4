/** Issue 17: the hot Hub routes read an entity's config at most once per TTL, never caching a miss. */
import t from 'tap';
import { createTenant } from '../../src/db/tenants.ts';
import { createEntityConfigCache } from '../../src/http/entity-config-cache.ts';
import { createTestDatabase } from '../helpers/db.ts';

t.test('entity config cache', async (t) => {
  const { db } = await createTestDatabase(t);
  await createTenant(db, { id: 'acme', name: 'Acme' });
  let now = 1_000_000;
  const cache = createEntityConfigCache({ db }, { ttlMs: 2_000, now: () => now });

  t.equal(await cache.find('acme', 'PEDIDO', 'OUT'), undefined, 'not configured');
  const row = await db
    .insertInto('sync_entity_config')
    .values({ tenant_id: 'acme', entity_type: 'PEDIDO', erp_type: 'AXIOMA', direction: 'OUT' })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.equal((await cache.find('acme', 'PEDIDO', 'OUT'))?.id, row.id, 'a miss is not cached: a new config works at once');
  t.equal(await cache.find('acme', 'PEDIDO', 'IN'), undefined, 'the flow is part of the key');

  await db.updateTable('sync_entity_config').set({ enabled: false }).where('id', '=', row.id).execute();
  now += 1_999;
  t.equal((await cache.find('acme', 'PEDIDO', 'OUT'))?.id, row.id, 'within the TTL the cached config is used');
  now += 2;
  t.equal(await cache.find('acme', 'PEDIDO', 'OUT'), undefined, 'after the TTL the change applies');
  t.equal(await cache.find('other', 'PEDIDO', 'OUT'), undefined, 'another tenant never sees it');
});
