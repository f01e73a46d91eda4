/**
 * Inbound (Hub-bound) items whose leases keep expiring un-acked go DEAD: that emits an
 * `inbound.dead` webhook event, and the admin API lists them for a retry.
 */
import t from 'tap';
import { sql } from 'kysely';
import { startTestApi } from '../helpers/api.ts';

t.test('inbound item DEAD after un-acked leases → inbound.dead event, listed, retryable', async (t) => {
  const api = await startTestApi(t);
  const db = api.db.db;
  await db.updateTable('sync_tenant').set({ webhook_url: 'http://127.0.0.1:9/hooks' }).where('id', '=', 'acme').execute();
  const item = await api.queue.enqueue(db, {
    tenantId: 'acme',
    source: 'ERP',
    destination: 'HUB',
    entityType: 'PROVEEDOR',
    entityId: 'P-1',
    action: 'CREATE',
    payload: { id: 'P-1' },
    maxRetries: 1,
  });
  const expire = () => sql`update sync_queue set lease_expires_at = now() - interval '1 second' where id = ${item.id}`.execute(db);
  const webhookEvents = async () =>
    (
      await sql<{ body: string }>`select data->>'body' as body from pgboss.job where name = 'sync-webhook' order by created_on`.execute(db)
    ).rows.map((r) => JSON.parse(r.body));

  for (const lease of [1, 2]) {
    const got = await api.queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 10, leaseSeconds: 60 });
    t.same(
      got.items.map((i) => i.id),
      [item.id],
      `lease ${lease}`,
    );
    await expire();
  }
  t.same(await webhookEvents(), [], 'no event while retries remain');
  t.equal(await api.queue.reclaimExpiredLeases(db), 1);
  const row = await api.queue.getStatus(db, 'acme', item.id);
  t.match(row, { status: 'DEAD', retry_count: 2 });
  const events = await webhookEvents();
  t.equal(events.length, 1);
  t.match(events[0], {
    type: 'inbound.dead',
    data: { sync_id: item.id, entity_type: 'PROVEEDOR', entity_id: 'P-1', action: 'CREATE', leases: 2 },
  });

  const listed = await api.call('GET', '/api/v1/sync/dead?destination=HUB', { key: api.keys.admin });
  t.equal(listed.status, 200);
  t.match(listed.body.items, [{ sync_id: item.id, destination: 'HUB', entity_type: 'PROVEEDOR', entity_id: 'P-1', status: 'DEAD' }]);
  t.equal(listed.body.items.length, 1);
  const erpOnly = await api.call('GET', '/api/v1/sync/dead?destination=ERP', { key: api.keys.admin });
  t.same(erpOnly.body.items, []);
  const theirs = await api.call('GET', '/api/v1/sync/dead', { key: api.keys.otherAdmin });
  t.same(theirs.body.items, [], 'another tenant sees none');

  const retried = await api.call('POST', `/api/v1/sync/retry/${item.id}`, { key: api.keys.admin });
  t.equal(retried.status, 200);
  t.match(retried.body, { sync_id: item.id, status: 'PENDING', retry_count: 0 });
  t.same((await api.call('GET', '/api/v1/sync/dead', { key: api.keys.admin })).body.items, []);
});
