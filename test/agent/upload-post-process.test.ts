/** Seed 001: after an upload the backend runs a post_process whose ejecutarEn is "destino" — now named hub operations, never SQL. */
import t from 'tap';
import { sql } from 'kysely';
import { WEBHOOK_QUEUE } from '../../src/queue/jobs.ts';
import { startTestApi } from '../helpers/api.ts';

t.test('upload post_process on our side: operations run for this tenant and entity only; planted SQL is refused', async (t) => {
  const api = await startTestApi(t);
  const db = api.db.db;
  const agent = { key: api.keys.agent, headers: { 'x-tenant-id': 'acme' } };
  const created = await api.call('POST', '/api/v1/sync/config', {
    key: api.keys.admin,
    body: {
      entity_type: 'CUENTA',
      erp_type: 'AXIOMA',
      direction: 'IN',
      primary_key: 'codigo',
      queries: {
        post_process: { run_on: 'hub', operations: [{ op: 'purge_deleted', older_than_days: 30 }, { op: 'notify_inbound_available' }] },
      },
    },
  });
  t.equal(created.status, 201);
  await sql`update sync_tenant set webhook_url = 'http://127.0.0.1:9/hook' where id = 'acme'`.execute(db);
  await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction, status, updated_at)
            values ('acme', 'CUENTA', 'AXIOMA', 'VIEJA', '{}', repeat('a', 64), 'IN', 'DELETED', now() - interval '40 days'),
                   ('acme', 'CUENTA', 'AXIOMA', 'RECIENTE', '{}', repeat('b', 64), 'IN', 'DELETED', now() - interval '10 days'),
                   ('acme', 'PROVEEDOR', 'AXIOMA', 'OTRA_ENTIDAD', '{}', repeat('c', 64), 'IN', 'DELETED', now() - interval '40 days'),
                   ('other', 'CUENTA', 'AXIOMA', 'OTRO_TENANT', '{}', repeat('d', 64), 'IN', 'DELETED', now() - interval '40 days')`.execute(
    db,
  );
  const hooks = async () =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from pgboss.job where name = ${WEBHOOK_QUEUE} and data->>'tenantId' = 'acme'`.execute(
          db,
        )
      ).rows[0]!.n,
    );

  const r = await api.call('POST', '/api/sync/upload/acme', {
    ...agent,
    body: { tabla: 'cuenta', data: [{ codigo: '1.1.01', nombre: 'Caja' }] },
  });
  t.equal(r.status, 200);
  t.match(r.body, { registrosInsertados: 1, post_process: { estado: 'exitoso' } });
  t.same(
    await db.selectFrom('sync_data').select(['tenant_id', 'entity_id']).orderBy('entity_id').execute(),
    [
      { tenant_id: 'acme', entity_id: '1.1.01' },
      { tenant_id: 'acme', entity_id: 'OTRA_ENTIDAD' },
      { tenant_id: 'other', entity_id: 'OTRO_TENANT' },
      { tenant_id: 'acme', entity_id: 'RECIENTE' },
    ],
    'only acme CUENTA records deleted over 30 days ago were purged',
  );
  t.equal(await hooks(), 1, 'inbound.available queued for acme');
  t.match(
    await db
      .selectFrom('sync_log')
      .select(['action', 'phase', 'executed_on', 'status', 'rows_affected'])
      .where('phase', '=', 'post_process')
      .execute(),
    [{ action: 'UPLOAD', phase: 'post_process', executed_on: 'hub', status: 'SUCCESS', rows_affected: 2 }],
  );

  // A config planted with psql, holding free SQL for our side.
  await sql`update sync_entity_config set queries = ${JSON.stringify({ post_process: { run_on: 'hub', sql: "DELETE FROM sync_data WHERE tenant_id = 'other'" } })}::jsonb where id = ${created.body.id}`.execute(
    db,
  );
  const planted = await api.call('POST', '/api/sync/upload/acme', {
    ...agent,
    body: { tabla: 'cuenta', data: [{ codigo: '1.1.02', nombre: 'Banco' }] },
  });
  t.equal(planted.status, 200, 'the rows are stored');
  t.match(planted.body.post_process, { estado: 'error', mensaje: /queries\.post_process\.sql: free SQL does not run on our database/ });
  t.same(
    await db.selectFrom('sync_data').select('entity_id').where('tenant_id', '=', 'other').execute(),
    [{ entity_id: 'OTRO_TENANT' }],
    "other's rows untouched",
  );
  t.match(
    await db
      .selectFrom('sync_log')
      .select(['status', 'error_detail'])
      .where('phase', '=', 'post_process')
      .where('status', '=', 'FAILED')
      .execute(),
    [{ error_detail: /free SQL/ }],
  );
});
