/** Seed 001's agent API with its request and response bodies as the seed writes them. */
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { upsertErpConnection } from '../../src/db/erp-connections.ts';
import { sealErpPassword } from '../../src/security/erp-password.ts';
import { openAgentEnvelope, type AgentEnvelope } from '../../src/security/agent-envelope.ts';
import { createKeyring } from '../../src/security/secret-box.ts';
import { startTestApi } from '../helpers/api.ts';
import { TEST_SECRET_KEY } from '../helpers/processes.ts';

// Seed 001, "POST /api/sync/upload/:tenantId" and "POST /api/sync/logs/:tenantId", verbatim.
const UPLOAD_BODY = {
  tabla: 'proveedores',
  data: [
    { codigo: '001', nombre: 'Proveedor A', cuit: '20-12345678-9' },
    { codigo: '002', nombre: 'Proveedor B', cuit: '20-87654321-0' },
  ],
  timestamp: '2024-01-15T10:35:00Z',
};
const LOGS_BODY = {
  logs: [
    {
      direccion: 'upload',
      tabla: 'proveedores',
      fase: 'process',
      ejecutadoEn: 'origen',
      estado: 'exitoso',
      registrosAfectados: 25,
      mensaje: 'Datos extraídos exitosamente',
      duracionMs: 1234,
      fechaInicio: '2024-01-15T10:30:00Z',
      fechaFin: '2024-01-15T10:30:01Z',
    },
  ],
};
// Seed 001's tablasBajada example (plan_cuentas).
const PLAN_CUENTAS_QUERIES = {
  schema: {
    columns: [
      { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
      { name: 'nombre', type: 'VARCHAR(200)', nullable: false },
      { name: 'tipo', type: 'VARCHAR(50)', nullable: true },
      { name: 'activo', type: 'BIT', nullable: false },
    ],
  },
  pre_process: {
    run_on: 'erp',
    sql: "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas') BEGIN CREATE TABLE plan_cuentas (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200) NOT NULL, tipo VARCHAR(50), activo BIT NOT NULL DEFAULT 1) END",
  },
  process: { query: 'parametros_maestros.tipo_campo=cuenta' },
  post_process: {
    run_on: 'erp',
    sql: 'MERGE plan_cuentas AS t USING {temp_table} AS s ON t.codigo = s.codigo WHEN MATCHED THEN UPDATE SET t.nombre = s.nombre, t.tipo = s.tipo, t.activo = s.activo WHEN NOT MATCHED BY TARGET THEN INSERT (codigo, nombre, tipo, activo) VALUES (s.codigo, s.nombre, s.tipo, s.activo) WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0;',
  },
};

t.test('agent API', async (t) => {
  const api = await startTestApi(t);
  const db = api.db.db;
  const { agent } = api.keys;
  for (const tenant of ['acme', 'other']) {
    await db
      .insertInto('sync_entity_config')
      .values([
        {
          tenant_id: tenant,
          entity_type: 'PROVEEDOR_AGENTE',
          erp_type: 'AXIOMA',
          source_table: 'proveedores',
          primary_key: 'codigo',
          direction: 'IN',
          field_mapping: JSON.stringify({ erp_to_hub: { codigo: 'id', nombre: 'nombre', cuit: 'cuit' } }),
        },
        {
          tenant_id: tenant,
          entity_type: 'PLAN_CUENTAS',
          erp_type: 'AXIOMA',
          primary_key: 'codigo',
          direction: 'OUT',
          queries: JSON.stringify(PLAN_CUENTAS_QUERIES),
        },
      ])
      .execute();
  }
  const ring = createKeyring(TEST_SECRET_KEY);
  await upsertErpConnection(db, {
    tenantId: 'acme',
    erpType: 'AXIOMA',
    host: '127.0.0.1',
    port: 14330,
    database: 'EmpresaDB',
    username: 'sync_user',
    password: sealErpPassword('Erp-S3cret', ring, { tenantId: 'acme', erpType: 'AXIOMA' }),
    encrypt: 'off',
    trustServerCertificate: true,
  });
  const asAgent = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { 'x-tenant-id': 'acme' },
    key = agent,
  ) => api.call(method, path, { key, body, headers });

  t.test('GET /api/sync/health', async (t) => {
    t.same((await api.call('GET', '/api/sync/health')).body, { success: true, status: 'ok' });
  });

  t.test('GET /config/:tenantId: seed 001 shape; the password opens only with this agent key; version moves on any change', async (t) => {
    const r = await asAgent('GET', '/api/sync/config/acme');
    t.equal(r.status, 200);
    t.same(
      Object.keys(r.body).sort(),
      [
        'configuracionTablas',
        'id',
        'modo',
        'sqlServerDatabase',
        'sqlServerHost',
        'sqlServerPassword',
        'sqlServerPort',
        'sqlServerUser',
        'success',
        'tenantId',
        'ultimaModificacion',
        'version',
      ].sort(),
    );
    t.match(r.body, {
      success: true,
      modo: 'direct',
      tenantId: 'acme',
      sqlServerHost: '127.0.0.1',
      sqlServerPort: 14330,
      sqlServerDatabase: 'EmpresaDB',
      sqlServerUser: 'sync_user',
    });
    t.notMatch(JSON.stringify(r.body), 'Erp-S3cret', 'never in clear');
    const env = r.body.sqlServerPassword as AgentEnvelope;
    t.equal(openAgentEnvelope(env, agent, 'acme'), 'Erp-S3cret');
    t.throws(() => openAgentEnvelope(env, api.keys.hub, 'acme'), 'another key cannot open it');
    const subida = r.body.configuracionTablas.tablasSubida.find((x: { nombre: string }) => x.nombre === 'proveedor_agente');
    t.match(subida, { primaryKey: 'codigo', incremental: false, pre_process: { enabled: false }, post_process: { enabled: false } });
    t.match(r.body.configuracionTablas.tablasBajada, [
      {
        nombre: 'plan_cuentas',
        primaryKey: 'codigo',
        schema: PLAN_CUENTAS_QUERIES.schema,
        pre_process: { enabled: true, ejecutarEn: 'destino' },
        process: { query: 'parametros_maestros.tipo_campo=cuenta' },
        post_process: { enabled: true, ejecutarEn: 'destino' },
      },
    ]);
    await new Promise((r) => setTimeout(r, 5));
    await sql`update sync_entity_config set sync_frequency = '0 3 * * *', updated_at = now() where tenant_id = 'acme' and entity_type = 'PLAN_CUENTAS'`.execute(
      db,
    );
    const after = await asAgent('GET', '/api/sync/config/acme');
    t.ok(after.body.version > r.body.version, 'version bumped');
    t.not(after.body.ultimaModificacion, r.body.ultimaModificacion);
  });

  t.test('POST /upload/:tenantId: seed 001 body; unchanged rows are not rewritten; 10 000 rows twice; gzip', async (t) => {
    const r = await asAgent('POST', '/api/sync/upload/acme', UPLOAD_BODY);
    t.equal(r.status, 200);
    t.match(r.body, { success: true, tabla: 'proveedores', registrosInsertados: 2, registrosSinCambios: 0, timestamp: /^\d{4}-/ });
    t.equal((await asAgent('POST', '/api/sync/upload/acme', UPLOAD_BODY)).body.registrosInsertados, 0);
    t.equal(
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*) n from sync_queue where entity_type = 'PROVEEDOR_AGENTE' and destination = 'HUB'`.execute(db)
        ).rows[0]!.n,
      ),
      2,
      'queued for the Hub once',
    );

    const big = {
      tabla: 'proveedores',
      data: Array.from({ length: 10_000 }, (_, i) => ({ codigo: `B${i}`, nombre: `Proveedor ${i}`, cuit: `20-${i}-1` })),
      timestamp: '2024-01-15T10:35:00Z',
    };
    const gz = gzipSync(JSON.stringify(big));
    const first = await api.call('POST', '/api/sync/upload/acme', {
      key: agent,
      raw: gz as unknown as string,
      headers: { 'x-tenant-id': 'acme', 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    t.equal(first.status, 200, JSON.stringify(first.body).slice(0, 300));
    t.equal(first.body.registrosInsertados, 10_000);
    const second = await asAgent('POST', '/api/sync/upload/acme', big);
    t.match(second.body, { registrosInsertados: 0, registrosSinCambios: 10_000 });
    t.equal((await asAgent('POST', '/api/sync/upload/acme', { ...UPLOAD_BODY, tabla: 'no_configurada' })).status, 404);
  });

  t.test('GET /download/:tenantId?tabla=: rows of the process query, the schema, and pages', async (t) => {
    await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
              select t, 'CUENTA', 'AXIOMA', lpad(g::text, 5, '0'), jsonb_build_object('nombre', 'Cuenta ' || g, 'tipo', 'Activo'), repeat('a', 64), 'IN'
              from generate_series(1, 2500) g, unnest(array['acme', 'other']) t`.execute(db);
    const pages: number[] = [];
    let cursor: string | null = null;
    let firstRow: unknown;
    do {
      const r: { status: number; body: any } = await asAgent(
        'GET',
        `/api/sync/download/acme?tabla=plan_cuentas${cursor ? `&cursor=${cursor}` : ''}`,
      );
      t.equal(r.status, 200);
      t.match(r.body, { success: true, tabla: 'plan_cuentas', schema: PLAN_CUENTAS_QUERIES.schema, timestamp: /^\d{4}-/ });
      firstRow ??= r.body.data[0];
      pages.push(r.body.data.length);
      cursor = r.body.next_cursor;
    } while (cursor);
    t.same(pages, [1000, 1000, 500], 'only this tenant’s 2 500 rows, in pages');
    t.match(firstRow, { codigo: '00001', nombre: 'Cuenta 1', activo: true });
    t.equal((await asAgent('GET', '/api/sync/download/acme?tabla=proveedores')).status, 404, 'an upload table is not a download table');
  });

  t.test('POST /logs/:tenantId: seed 001 log shape, visible through GET /api/v1/sync/logs', async (t) => {
    const r = await asAgent('POST', '/api/sync/logs/acme', LOGS_BODY);
    t.same(r.body, { success: true, logsInsertados: 1 });
    const logs = await api.call('GET', '/api/v1/sync/logs?entity_type=PROVEEDOR_AGENTE', { key: api.keys.admin });
    t.match(logs.body.items[0], {
      entity_type: 'PROVEEDOR_AGENTE',
      action: 'AGENT',
      direction: 'IN',
      status: 'SUCCESS',
      phase: 'process',
      executed_on: 'origen',
      rows_affected: 25,
      duration_ms: 1234,
      message: 'Datos extraídos exitosamente',
    });
  });

  t.test('tenant, key and header must agree: 403 and nothing written', async (t) => {
    const before = await api.snapshot();
    const cases: [string, string, Record<string, string>, string][] = [
      ['/api/sync/upload/other', 'path of another tenant', { 'x-tenant-id': 'acme' }, agent],
      ['/api/sync/upload/acme', 'X-Tenant-Id of another tenant', { 'x-tenant-id': 'other' }, agent],
      ['/api/sync/upload/acme', 'no X-Tenant-Id', {}, agent],
      ['/api/sync/upload/acme', 'a hub key', { 'x-tenant-id': 'acme' }, api.keys.hub],
    ];
    for (const [path, what, headers, key] of cases) {
      const r = await asAgent('POST', path, UPLOAD_BODY, headers, key);
      t.equal(r.status, 403, what);
    }
    t.equal((await asAgent('GET', '/api/sync/config/other')).status, 403);
    t.same(await api.snapshot(), before);
  });
});
