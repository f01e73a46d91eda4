/** Hub → ERP through the site agent: lease the tenant's ERP documents, acknowledge them like the worker settles its own. */
import t from 'tap';
import { sql } from 'kysely';
import { upsertErpConnection } from '../../src/db/erp-connections.ts';
import { startTestApi } from '../helpers/api.ts';

t.test('agent outbound', async (t) => {
  const api = await startTestApi(t);
  const db = api.db.db;
  const { agent, hub } = api.keys;
  const asAgent = (path: string, body: unknown, headers: Record<string, string> = { 'x-tenant-id': 'acme' }) =>
    api.call('POST', path, { key: agent, body, headers });
  const lease = (body: unknown = { limit: 10, lease_seconds: 60 }) => asAgent('/api/sync/outbound/acme/lease', body);
  const ack = (results: unknown[]) => asAgent('/api/sync/outbound/acme/ack', { results });
  const send = async (numero: string) => {
    const r = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      body: { entity_id: numero, action: 'CREATE', payload: { numero, fecha: '2026-11-23', proveedor: 'PRV-1', total: '1234.50' } },
    });
    t.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.sync_id as string;
  };
  const row = (id: string) => db.selectFrom('sync_queue').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const connection = (mode: 'direct' | 'agent') =>
    upsertErpConnection(db, {
      tenantId: 'acme',
      erpType: 'AXIOMA',
      host: '127.0.0.1',
      port: 1433,
      database: 'db',
      username: 'u',
      mode,
      encrypt: 'off',
      trustServerCertificate: true,
      password: { v: 1, kid: 'k', iv: '', tag: '', ct: '' },
    });
  await sql`update sync_tenant set webhook_url = 'http://127.0.0.1:9/hook' where id = 'acme'`.execute(db);

  t.test('a tenant in mode direct cannot lease: 409, nothing leased', async (t) => {
    await connection('direct');
    const id = await send('OC-D');
    const r = await lease();
    t.equal(r.status, 409);
    t.match(r.body.error.message, /mode 'direct'/);
    t.equal((await row(id)).status, 'PENDING');
    await sql`delete from sync_queue where id = ${id}`.execute(db);
  });

  t.test('lease hands each document with its statements and bound values (decimals as strings); the tenant must match', async (t) => {
    await connection('agent');
    const id = await send('OC-1');
    t.equal((await asAgent('/api/sync/outbound/acme/lease', { limit: 10 }, { 'x-tenant-id': 'other' })).status, 403);
    t.equal((await asAgent('/api/sync/outbound/other/lease', { limit: 10 })).status, 403);
    const bad = await lease({ limit: 0 });
    t.equal(bad.status, 400);
    t.match(JSON.stringify(bad.body), /limit/);
    const r = await lease();
    t.equal(r.status, 200, JSON.stringify(r.body));
    t.equal(r.body.items.length, 1);
    t.match(r.body.items[0], {
      sync_id: id,
      entity_type: 'ORDEN_COMPRA',
      entity_id: 'OC-1',
      action: 'CREATE',
      attempt: 1,
      document: {
        queries: { insert: 'INSERT INTO OC (Numero) OUTPUT INSERTED.Id VALUES (@numero)' },
        header: { Numero: 'OC-1', Total: '1234.50', CodProv: 'PRV-1' },
        items: [],
      },
    });
    t.match(await row(id), { status: 'IN_FLIGHT' });
    t.same((await lease()).body.items, [], 'a leased item is not leased twice');
  });

  t.test(
    'ack: ERP id → COMPLETED + sync_data + sync.completed; retryable error → RETRY with backoff; permanent → DEAD + sync.failed',
    async (t) => {
      await sql`update sync_queue set status = 'PENDING', lease_expires_at = null where status = 'IN_FLIGHT'`.execute(db);
      await sql`delete from sync_queue`.execute(db);
      const ok = await send('OC-2');
      const flaky = await send('OC-3');
      const bad = await send('OC-4');
      t.equal((await lease()).body.items.length, 3);
      const before = await api.snapshot();
      const invalid = await ack([{ sync_id: 'not-a-uuid', erp_id: '1' }]);
      t.equal(invalid.status, 400);
      t.match(JSON.stringify(invalid.body), /sync_id/);
      t.same(await api.snapshot(), before, 'bad input writes nothing');

      const stranger = '00000000-0000-4000-8000-000000000001';
      const r = await ack([
        { sync_id: ok, erp_id: '501', already_existed: false },
        { sync_id: flaky, error: { number: 1205, message: 'Transaction was deadlocked', retryable: true } },
        { sync_id: bad, error: { number: 2627, message: 'Violation of PRIMARY KEY constraint', retryable: false } },
        { sync_id: stranger, erp_id: '9' },
      ]);
      t.equal(r.status, 200, JSON.stringify(r.body));
      t.same(r.body.results, [
        { sync_id: ok, status: 'COMPLETED' },
        { sync_id: flaky, status: 'RETRY' },
        { sync_id: bad, status: 'DEAD' },
      ]);
      t.same(r.body.unknown, [stranger]);
      t.match(await row(ok), { status: 'COMPLETED', external_id: '501', response: { erp_id: '501', via: 'agent' } });
      const retry = await row(flaky);
      t.match(retry, { status: 'RETRY', retry_count: 1, error_message: /SQL Server error 1205/ });
      t.ok(retry.scheduled_at.getTime() > Date.now(), 'backed off');
      t.match(await row(bad), { status: 'DEAD', error_message: /SQL Server error 2627/ });
      const data = await db.selectFrom('sync_data').selectAll().where('entity_id', '=', 'OC-2').executeTakeFirstOrThrow();
      t.match(data, { tenant_id: 'acme', sync_direction: 'OUT', status: 'SYNCED', external_id: '501' });
      const events = (
        await sql<{ data: { type: string; body: string } }>`select data from pgboss.job where name = 'sync-webhook'`.execute(db)
      ).rows.map((j) => JSON.parse(j.data.body));
      t.match(
        events.find((e) => e.type === 'sync.completed'),
        { data: { sync_id: ok, external_id: '501' } },
      );
      t.match(
        events.find((e) => e.type === 'sync.failed'),
        { data: { sync_id: bad, error: /2627/ } },
      );
      t.same((await ack([{ sync_id: ok, erp_id: '777' }])).body.unknown, [ok], 'a settled item is not settled again');
      t.equal((await row(ok)).external_id, '501');

      await sql`update sync_queue set scheduled_at = now() where id = ${flaky}`.execute(db);
      const again = await lease();
      t.match(again.body.items, [{ sync_id: flaky, attempt: 2 }], 'after its backoff a RETRY item is leased again');
    },
  );

  t.test('an un-acknowledged lease expires and the same item is leased again (the agent died before its ack)', async (t) => {
    await sql`delete from sync_queue`.execute(db);
    const id = await send('OC-5');
    t.equal((await lease()).body.items.length, 1);
    await sql`update sync_queue set lease_expires_at = now() - interval '1 second' where id = ${id}`.execute(db);
    const r = await lease();
    t.match(r.body.items, [{ sync_id: id, attempt: 2, entity_id: 'OC-5' }]);
    t.equal((await ack([{ sync_id: id, erp_id: '502', already_existed: true }])).body.results[0].status, 'COMPLETED');
    t.match(await row(id), { status: 'COMPLETED', external_id: '502', retry_count: 1, response: { already_existed: true } });
  });
});
