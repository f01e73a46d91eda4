import t from 'tap';
import { sql } from 'kysely';
import { createTestDatabase } from './helpers/db.ts';
import { heldTransaction, someoneWaitsOnALock } from './helpers/held-transaction.ts';

const TABLES = [
  'sync_tenant',
  'sync_api_key',
  'sync_erp_connection',
  'sync_entity_config',
  'sync_data',
  'sync_queue',
  'sync_log',
  'sync_state',
  // issue 15 (operations): config history, worker heartbeat, alerts and their thresholds
  'sync_config_history',
  'sync_worker_heartbeat',
  'sync_alert',
  'sync_alert_threshold',
  // issue 15 (console): sessions and what the site agent last did
  'sync_console_session',
  'sync_agent_activity',
  // issue 11 (exact data): records a transform rule refused, kept until they convert
  'sync_record_error',
];

/** A sync_data row of a supplier, as the tests below insert it (config_id only when given). */
const supplierRecord = (o: { tenant: string; id: string; configId?: string | null }) => ({
  tenant_id: o.tenant,
  ...(o.configId === undefined ? {} : { config_id: o.configId }),
  entity_type: 'PROVEEDOR',
  erp_type: 'AXIOMA',
  entity_id: o.id,
  payload: JSON.stringify({ id: o.id }),
  payload_hash: '0'.repeat(64),
  sync_direction: 'IN' as const,
});

t.test('every table of SPEC §2 exists with its keys and indexes', async (t) => {
  const { db } = await createTestDatabase(t);
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public' and table_name like 'sync\\_%' order by 1`.execute(db);
  t.same(tables.rows.map((r) => r.table_name).sort(), [...TABLES].sort());

  const indexes = await sql<{ indexname: string; indexdef: string }>`
    select indexname, indexdef from pg_indexes where schemaname = 'public'`.execute(db);
  const defs = indexes.rows.map((r) => r.indexdef).join('\n');
  t.match(defs, /sync_data_codprov_idx ON public\.sync_data USING btree \(+payload ->> 'CodProv'::text\)+/, 'JSONB expression index');
  // Partial (records with a CodProv): a search by value must still find it, a parameter included.
  const plan = await db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    return sql<{ 'QUERY PLAN': string }>`explain select id from sync_data where payload->>'CodProv' = ${'PRV-1'}`.execute(trx);
  });
  t.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /sync_data_codprov_idx/, 'a search by CodProv uses the index');
  t.match(defs, /UNIQUE INDEX \S+ ON public\.sync_entity_config USING btree \(tenant_id, entity_type, erp_type\)/);
  t.match(defs, /UNIQUE INDEX \S+ ON public\.sync_data USING btree \(tenant_id, entity_type, erp_type, entity_id\)/);
  t.match(defs, /UNIQUE INDEX \S+ ON public\.sync_state USING btree \(tenant_id, entity_type, erp_type, direction\)/);
  t.match(defs, /ON public\.sync_queue USING btree \(status, scheduled_at\)/);
  t.match(defs, /ON public\.sync_queue USING btree \(entity_type, entity_id\)/);
  t.match(defs, /ON public\.sync_data USING btree \(tenant_id, entity_type, status\)/);
  t.match(defs, /ON public\.sync_log USING btree \(tenant_id, created_at DESC, id DESC\)/);

  const fks = await sql<{ tbl: string; ref: string }>`
    select conrelid::regclass::text as tbl, confrelid::regclass::text as ref
    from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`.execute(db);
  const pairs = fks.rows.map((r) => `${r.tbl}->${r.ref}`);
  for (const p of [
    'sync_data->sync_entity_config',
    'sync_log->sync_queue',
    'sync_api_key->sync_tenant',
    'sync_erp_connection->sync_tenant',
  ]) {
    t.ok(pairs.includes(p), `foreign key ${p}`);
  }
});

t.test('the database rejects duplicates on each UNIQUE key and bad enumeration values', async (t) => {
  const { db } = await createTestDatabase(t);
  const exec = (q: string) => sql.raw(q).execute(db);
  await exec(`insert into sync_tenant (id, name) values ('acme', 'Acme')`);
  await exec(`insert into sync_entity_config (tenant_id, entity_type, erp_type, direction) values ('acme', 'PROVEEDOR', 'AXIOMA', 'IN')`);
  await exec(
    `insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction) values ('acme','PROVEEDOR','AXIOMA','1','{}', repeat('a',64), 'IN')`,
  );
  await exec(`insert into sync_state (tenant_id, entity_type, erp_type, direction) values ('acme','PROVEEDOR','AXIOMA','IN')`);
  await exec(`insert into sync_api_key (tenant_id, key_hash, prefix, scopes) values ('acme', repeat('b',64), 'sk_live_abc', '{hub}')`);
  await exec(`insert into sync_erp_connection (tenant_id, erp_type) values ('acme', 'AXIOMA')`);
  await exec(
    `insert into sync_queue (tenant_id, source, destination, entity_type, entity_id, action, idempotency_key) values ('acme','HUB','ERP','ORDEN_COMPRA','1','CREATE','k1')`,
  );

  const duplicates: Record<string, string> = {
    sync_tenant: `insert into sync_tenant (id, name) values ('acme', 'Again')`,
    sync_entity_config: `insert into sync_entity_config (tenant_id, entity_type, erp_type, direction) values ('acme', 'PROVEEDOR', 'AXIOMA', 'OUT')`,
    sync_data: `insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction) values ('acme','PROVEEDOR','AXIOMA','1','{}', repeat('c',64), 'IN')`,
    sync_state: `insert into sync_state (tenant_id, entity_type, erp_type, direction) values ('acme','PROVEEDOR','AXIOMA','IN')`,
    sync_api_key: `insert into sync_api_key (tenant_id, key_hash, prefix, scopes) values ('acme', repeat('b',64), 'sk_live_xyz', '{hub}')`,
    sync_erp_connection: `insert into sync_erp_connection (tenant_id, erp_type) values ('acme', 'AXIOMA')`,
    sync_queue: `insert into sync_queue (tenant_id, source, destination, entity_type, entity_id, action, idempotency_key) values ('acme','HUB','ERP','ORDEN_COMPRA','2','CREATE','k1')`,
  };
  for (const [table, q] of Object.entries(duplicates)) {
    await t.rejects(exec(q), { code: '23505' }, `duplicate rejected on ${table}`);
  }

  const badEnums: Record<string, string> = {
    'sync_entity_config.direction': `insert into sync_entity_config (tenant_id, entity_type, erp_type, direction) values ('acme', 'X', 'AXIOMA', 'SIDEWAYS')`,
    'sync_queue.status': `insert into sync_queue (tenant_id, source, destination, entity_type, entity_id, action, status) values ('acme','HUB','ERP','X','1','CREATE','LOST')`,
    'sync_queue.action': `insert into sync_queue (tenant_id, source, destination, entity_type, entity_id, action) values ('acme','HUB','ERP','X','1','EXPLODE')`,
    'sync_api_key.scopes': `insert into sync_api_key (tenant_id, key_hash, prefix, scopes) values ('acme', repeat('d',64), 'sk_live_q', '{root}')`,
    'sync_erp_connection.encrypt': `insert into sync_erp_connection (tenant_id, erp_type, encrypt) values ('acme', 'SOFTLAND', 'maybe')`,
    'sync_log.status': `insert into sync_log (tenant_id, action, direction, status) values ('acme', 'X', 'IN', 'MEH')`,
    'sync_data.status': `insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction, status) values ('acme','P','A','9','{}', repeat('e',64), 'IN', 'GONE')`,
  };
  for (const [column, q] of Object.entries(badEnums)) {
    await t.rejects(exec(q), { code: '23514' }, `bad value rejected on ${column}`);
  }

  // sync_data.payload_hash: 64 lower-case hex digits (migration 0017's check, without a regex).
  const withHash = (id: string, hash: string) =>
    exec(
      `insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction) values ('acme','P','A','${id}','{}', '${hash}', 'IN')`,
    );
  const hex = '0123456789abcdef'.repeat(4);
  for (const [why, hash] of Object.entries({
    '63 digits': hex.slice(1),
    '65 digits': hex + '0',
    'upper case': hex.slice(1) + 'A',
    'not hex': hex.slice(1) + 'g',
    'a non-ASCII letter': hex.slice(1) + 'é',
    'a space': hex.slice(1) + ' ',
    empty: '',
  })) {
    await t.rejects(withHash(`h-${why}`, hash), { code: '23514' }, `payload_hash with ${why} rejected`);
  }
  await withHash('h-ok', hex);
  t.equal((await sql<{ n: string }>`select count(*) n from sync_data where entity_id like 'h-%'`.execute(db)).rows[0]!.n, '1');
});

t.test("deleting a tenant deletes its records, queue items and log lines, and no one else's (migration 0018's trigger)", async (t) => {
  const { db } = await createTestDatabase(t);
  await db
    .insertInto('sync_tenant')
    .values([
      { id: 'gone', name: 'Gone' },
      { id: 'kept', name: 'Kept' },
    ])
    .execute();
  const record = (tenant: string, id: string) => supplierRecord({ tenant, id });
  await db
    .insertInto('sync_data')
    .values([record('gone', 'P1'), record('gone', 'P2'), record('kept', 'P1')])
    .execute();
  const item = (tenant: string, id: string) => ({
    tenant_id: tenant,
    source: 'ERP' as const,
    destination: 'HUB' as const,
    entity_type: 'PROVEEDOR',
    entity_id: id,
    action: 'CREATE' as const,
  });
  const items = await db
    .insertInto('sync_queue')
    .values([item('gone', 'P1'), item('gone', 'P2'), item('kept', 'P1')])
    .returning(['id', 'tenant_id'])
    .execute();
  await db
    .insertInto('sync_log')
    .values(items.map((i) => ({ tenant_id: i.tenant_id, sync_queue_id: i.id, action: 'CREATE', direction: 'OUT', status: 'SUCCESS' })))
    .execute();
  await db.deleteFrom('sync_tenant').where('id', '=', 'gone').execute();
  const left = async (table: 'sync_data' | 'sync_queue' | 'sync_log') =>
    (await db.selectFrom(table).select('tenant_id').execute()).map((r) => r.tenant_id);
  t.same(await left('sync_data'), ['kept'], 'records');
  t.same(await left('sync_queue'), ['kept'], 'queue items');
  t.same(await left('sync_log'), ['kept'], 'log lines');
});

t.test("sync_data's key to its config holds, checked once per statement (migration 0019's triggers)", async (t) => {
  const { db } = await createTestDatabase(t);
  await db.insertInto('sync_tenant').values({ id: 'acme', name: 'Acme' }).execute();
  const config = async (entity: string) =>
    (
      await db
        .insertInto('sync_entity_config')
        .values({ tenant_id: 'acme', entity_type: entity, erp_type: 'AXIOMA', direction: 'IN' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const [kept, gone] = [await config('PROVEEDOR'), await config('CENTRO_COSTO')];
  const record = (id: string, configId: string | null) => supplierRecord({ tenant: 'acme', id, configId });
  const configOf = async () =>
    Object.fromEntries(
      (await db.selectFrom('sync_data').select(['entity_id', 'config_id']).orderBy('entity_id').execute()).map((r) => [
        r.entity_id,
        r.config_id,
      ]),
    );
  const violation = { code: '23503', constraint: 'sync_data_config_id_fkey' };

  await t.rejects(
    db
      .insertInto('sync_data')
      .values([record('P1', kept), record('P2', '999999')])
      .execute(),
    { ...violation, detail: /\(config_id\)=\(999999\)/ },
    'a statement naming a config that does not exist fails',
  );
  t.same(await configOf(), {}, 'and writes none of its rows');
  await db
    .insertInto('sync_data')
    .values([record('P1', kept), record('P2', gone), record('P3', gone), record('P4', null)])
    .execute();
  await t.rejects(
    db.updateTable('sync_data').set({ config_id: '999999' }).where('entity_id', '=', 'P1').execute(),
    violation,
    'an update too',
  );

  await t.rejects(
    sql`update sync_entity_config set id = default where id = ${kept}`.execute(db),
    { code: '23503', constraint: 'sync_data_config_id_fkey' },
    "a named config's id cannot change",
  );
  await db.deleteFrom('sync_entity_config').where('id', '=', gone).execute();
  t.same(await configOf(), { P1: kept, P2: null, P3: null, P4: null }, 'deleting a config clears its records (ON DELETE SET NULL)');

  t.test('a config deleted while a transaction writes records naming it', async (t) => {
    const victim = await config('PAGO');
    // The writer's statement has run (its check locked the config); the delete waits for its commit, then clears the row.
    const writer = heldTransaction(db, (trx) => trx.insertInto('sync_data').values(record('W1', victim)).execute());
    await writer.ran;
    const deleting = db.deleteFrom('sync_entity_config').where('id', '=', victim).execute();
    await someoneWaitsOnALock(db, 'the delete to wait for the writer');
    writer.commit();
    await Promise.all([writer.done, deleting]);
    t.equal((await configOf()).W1, null, 'the record written first is cleared by the delete');

    // The other order: the delete is not committed yet when a writer names the config; the writer fails once it commits.
    const victim2 = await config('ORDEN_COMPRA');
    const deleter = heldTransaction(db, (trx) => trx.deleteFrom('sync_entity_config').where('id', '=', victim2).execute());
    await deleter.ran;
    const late = db.insertInto('sync_data').values(record('W2', victim2)).execute();
    late.catch(() => {});
    await someoneWaitsOnALock(db, 'the writer to wait for the delete');
    deleter.commit();
    await deleter.done;
    await t.rejects(late, violation, 'the writer finds the config gone');
    t.notOk('W2' in (await configOf()), 'and writes nothing');
  });
});
