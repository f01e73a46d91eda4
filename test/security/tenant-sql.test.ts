/**
 * Issue 10 §1.3: an attacker holding tenant acme's admin and agent keys tries, for each attack
 * class, (1) to write it as a hub-side phase and as a download query through the API — refused
 * with 400 naming the field, nothing written — and (2) to plant it with SQL (as if written before
 * this fix, or by hand) and have it run — the run fails with an error in sync_log, the download
 * answers 4xx, and nothing changed.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import { runDownload } from '../../src/sync/download.ts';
import { runPull } from '../../src/sync/pull.ts';
import { startTestApi } from '../helpers/api.ts';
import { silentLogger, startTestBoss } from '../helpers/boss.ts';
import { keyring } from '../helpers/sync-fixture.ts';

const canary = join(tmpdir(), `parse-sync-pwned-${process.pid}`);

/** One case per attack class: as hub-side SQL, and as a download process.query. */
const ATTACKS: { name: string; hub: string; query: string }[] = [
  {
    name: "another tenant's rows",
    hub: "UPDATE sync_data SET payload = '{}' WHERE tenant_id = 'other'",
    query: "SELECT codigo, nombre FROM parametros_maestros WHERE tenantId = 'other'",
  },
  {
    name: 'sync_api_key',
    hub: "INSERT INTO sync_api_key (tenant_id, key_hash, key_prefix, scopes) SELECT 'other', repeat('x', 64), 'psk_evil', ARRAY['admin']",
    query: 'SELECT key_hash AS codigo FROM sync_api_key',
  },
  { name: 'pgboss.*', hub: 'DELETE FROM pgboss.job', query: 'SELECT data AS codigo FROM pgboss.job' },
  {
    name: 'pg_read_file',
    hub: "SELECT pg_read_file('/etc/passwd')",
    query: "SELECT codigo, pg_read_file('/etc/passwd') AS nombre FROM parametros_maestros",
  },
  { name: 'COPY … PROGRAM', hub: `COPY (SELECT 1) TO PROGRAM 'touch ${canary}'`, query: `COPY (SELECT 1) TO PROGRAM 'touch ${canary}'` },
  {
    name: 'set_config',
    hub: "SELECT set_config('app.tenant_id', 'other', false)",
    query: "SELECT codigo FROM parametros_maestros WHERE set_config('app.tenant_id', 'other', true) = 'other'",
  },
  {
    name: 'SET ROLE / RESET ROLE',
    hub: "RESET ROLE; SET ROLE postgres; DELETE FROM sync_tenant WHERE id = 'other'",
    query: 'SET ROLE postgres',
  },
  { name: 'U& identifiers', hub: 'SELECT * FROM U&"\\0073ync_api_key"', query: 'SELECT U&"\\0063odigo" FROM parametros_maestros' },
  {
    name: 'comments (--)',
    hub: 'SELECT 1 -- DELETE FROM sync_data',
    query: "SELECT codigo FROM parametros_maestros WHERE tipo_campo = 'cuenta' -- AND activo = true",
  },
  {
    name: 'comments (/* */)',
    hub: 'SELECT /* x */ 1',
    query: "SELECT codigo /* , key_hash */ FROM parametros_maestros WHERE tipo_campo = 'cuenta'",
  },
  {
    name: 'multiple statements',
    hub: "SELECT 1; DELETE FROM sync_data WHERE tenant_id = 'other'",
    query: "SELECT codigo FROM parametros_maestros; DELETE FROM sync_data WHERE tenant_id = 'other'",
  },
  {
    name: 'DO blocks',
    hub: "DO $$ BEGIN DELETE FROM sync_data WHERE tenant_id = 'other'; END $$",
    query: "DO $$ BEGIN DELETE FROM sync_data WHERE tenant_id = 'other'; END $$",
  },
];

const DOWNLOAD_SCHEMA = {
  columns: [
    { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
    { name: 'nombre', type: 'VARCHAR(200)', nullable: true },
  ],
};
const MERGE =
  'MERGE cuentas AS t USING {temp_table} AS s ON t.codigo = s.codigo WHEN NOT MATCHED THEN INSERT (codigo, nombre) VALUES (s.codigo, s.nombre);';

t.test('tenant-written SQL: refused at write time, and at run time when planted', async (t) => {
  const api = await startTestApi(t);
  const db = api.db.db;
  const boss = await startTestBoss(t, api.db.url);
  const erp = createErpRegistry({ db, keyring, destinations: { allowPrivate: true } });
  t.teardown(() => erp.closeAll());
  await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
            values ('acme', 'CUENTA', 'AXIOMA', '1.1.01', '{"nombre": "Caja acme", "nivel": 3}', repeat('a', 64), 'IN'),
                   ('other', 'CUENTA', 'AXIOMA', '9.9.01', '{"nombre": "Secreto de other", "nivel": 1}', repeat('b', 64), 'IN')`.execute(
    db,
  );
  /** Contents (not only counts) of what an attack would touch, plus pg-boss's jobs (keys without last_used_at, which every request moves). */
  const fingerprint = async () =>
    (
      await sql<Record<string, string>>`
    select (select md5(coalesce(string_agg(d::text, '|' order by id), '')) from sync_data d) data,
           (select md5(coalesce(string_agg(concat_ws(',', id, tenant_id, key_hash, prefix, scopes, revoked_at), '|' order by id), '')) from sync_api_key) keys,
           (select md5(coalesce(string_agg(x::text, '|' order by id), '')) from sync_tenant x) tenants,
           (select count(*) from pgboss.job) jobs`.execute(db)
    ).rows[0]!;
  const before = await fingerprint();

  t.test('write time: 400 naming the field, nothing written', async (t) => {
    for (const a of ATTACKS) {
      for (const phase of ['pre_process', 'post_process'] as const) {
        const snap = await api.snapshot();
        const r = await api.call('POST', '/api/v1/sync/config', {
          key: api.keys.admin,
          body: {
            entity_type: 'ATAQUE',
            erp_type: 'AXIOMA',
            direction: 'IN',
            primary_key: 'id',
            queries: { select_all: 'SELECT * FROM x', [phase]: { run_on: 'hub', sql: a.hub } },
          },
        });
        t.equal(r.status, 400, `${a.name}: hub ${phase}`);
        t.match(r.body.error.details, [
          { path: `body.queries.${phase}.sql`, message: /free SQL does not run on our database.*operations/ },
        ]);
        t.same(await api.snapshot(), snap, `${a.name}: hub ${phase} wrote nothing`);
      }
      const snap = await api.snapshot();
      const r = await api.call('POST', '/api/v1/sync/config', {
        key: api.keys.admin,
        body: {
          entity_type: 'ATAQUE',
          erp_type: 'AXIOMA',
          direction: 'OUT',
          queries: { schema: DOWNLOAD_SCHEMA, process: { query: a.query }, merge: MERGE },
        },
      });
      t.equal(r.status, 400, `${a.name}: download query`);
      t.match(r.body.error.details, [{ path: 'body.queries.process.query' }], `${a.name}: names queries.process.query`);
      t.same(await api.snapshot(), snap, `${a.name}: download query wrote nothing`);
    }
    t.same(await fingerprint(), before);
  });

  t.test('planted hub phase: the pull fails with the refusal in sync_log, nothing ran', async (t) => {
    for (const [i, a] of ATTACKS.entries()) {
      const config = await db
        .insertInto('sync_entity_config')
        .values({
          tenant_id: 'acme',
          entity_type: `PLANTADO_${i}`,
          erp_type: 'AXIOMA',
          direction: 'IN',
          primary_key: 'id',
          queries: JSON.stringify({ select_all: 'SELECT * FROM x', pre_process: { run_on: 'hub', sql: a.hub } }),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const r = await runPull(
        { db, queue: api.queue, boss, erp, logger: silentLogger },
        { tenantId: 'acme', configId: config.id, runId: `r${i}` },
      );
      t.match(
        r,
        { status: 'failed', read: 0, changed: 0, error: /queries\.pre_process\.sql: free SQL does not run on our database/ },
        a.name,
      );
      const logs = await db
        .selectFrom('sync_log')
        .select(['phase', 'status', 'executed_on', 'error_detail'])
        .where('entity_type', '=', `PLANTADO_${i}`)
        .orderBy('id')
        .execute();
      t.match(
        logs,
        [
          { phase: 'pre_process', status: 'FAILED', executed_on: 'hub', error_detail: /free SQL/ },
          { phase: 'process', status: 'FAILED' },
        ],
        `${a.name}: FAILED lines in sync_log`,
      );
    }
    t.same(await fingerprint(), before, 'no row of any tenant, key or job changed');
    t.notOk(existsSync(canary), 'no shell command ran');
  });

  t.test('planted download query: 4xx to the agent, a FAILED run for the worker, nothing read or changed', async (t) => {
    for (const [i, a] of ATTACKS.entries()) {
      const config = await db
        .insertInto('sync_entity_config')
        .values({
          tenant_id: 'acme',
          entity_type: `BAJADA_${i}`,
          erp_type: 'AXIOMA',
          direction: 'OUT',
          queries: JSON.stringify({ schema: DOWNLOAD_SCHEMA, process: { query: a.query }, merge: MERGE }),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const r = await api.call('GET', `/api/sync/download/acme?tabla=bajada_${i}`, {
        key: api.keys.agent,
        headers: { 'x-tenant-id': 'acme' },
      });
      t.equal(r.status, 400, `${a.name}: download answers 400`);
      t.match(r.body.error, { code: 'VALIDATION_FAILED', details: [{ path: 'queries.process.query' }] });
      t.notOk(r.body.data, `${a.name}: no rows`);
      t.notMatch(JSON.stringify(r.body), /Secreto de other|root:/, `${a.name}: nothing of another tenant or of the host leaks`);
      t.match(
        await runDownload({ db, erp, logger: silentLogger }, config, { tenantId: 'acme', runId: `d${i}` }),
        { status: 'failed', loaded: 0 },
        `${a.name}: run fails`,
      );
      t.match(
        await db.selectFrom('sync_log').select(['phase', 'status', 'error_detail']).where('entity_type', '=', `BAJADA_${i}`).execute(),
        [{ phase: 'process', status: 'FAILED', error_detail: /process\.query/ }],
        `${a.name}: one FAILED process line, nothing sent to the ERP`,
      );
    }
    t.same(await fingerprint(), before);
    t.notOk(existsSync(canary));
  });

  t.test("seed 001's download queries still work, for the owning tenant only", async (t) => {
    const forms = {
      SHORT: 'parametros_maestros.tipo_campo=cuenta',
      EJEMPLO3:
        "SELECT codigo, nombre, parametros_json->>'nivel' as nivel FROM parametros_maestros WHERE tipo_campo = 'cuenta' AND activo = true",
      JSONFORM: {
        select: ['codigo', 'nombre', { json: 'nivel', as: 'nivel' }],
        where: { tipo_campo: 'cuenta', activo: true },
        order_by: [{ column: 'codigo', desc: true }],
      },
    };
    for (const [name, query] of Object.entries(forms)) {
      const w = await api.call('POST', '/api/v1/sync/config', {
        key: api.keys.admin,
        body: {
          entity_type: name,
          erp_type: 'AXIOMA',
          direction: 'OUT',
          queries: { schema: DOWNLOAD_SCHEMA, process: { query }, merge: MERGE },
        },
      });
      t.equal(w.status, 201, `${name} accepted`);
      const r = await api.call('GET', `/api/sync/download/acme?tabla=${name.toLowerCase()}`, {
        key: api.keys.agent,
        headers: { 'x-tenant-id': 'acme' },
      });
      t.equal(r.status, 200);
      t.same(
        r.body.data.map((d: Record<string, unknown>) => d.codigo),
        ['1.1.01'],
        `${name}: acme's row only`,
      );
      if (name !== 'SHORT') t.same(r.body.data[0], { codigo: '1.1.01', nombre: 'Caja acme', nivel: '3' });
    }
  });
});
