/**
 * The Linux executable of ax-sync-client (not the TypeScript sources) against the real server
 * (a process) and the ERP simulator over TDS: seed 001's examples 1–3, the config file's failure
 * modes, the run lock, SQL Server unreachable, and the backend dying in the middle of an upload.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { sql } from 'kysely';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { finished, freePort } from '../helpers/processes.ts';
import { tenantWithErp } from '../helpers/sync-fixture.ts';
import { agentDir, ensureAgentBuilt, runAgent, startServer } from './exe.ts';

ensureAgentBuilt();

t.test('ax-sync-client executable', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  await tenantWithErp(db.db, erp);
  const key = generateApiKey();
  await insertApiKey(db.db, { tenantId: 'acme', hash: key.hash, prefix: key.prefix, scopes: ['agent'] });

  // Seed 001 example 1 (a view over proveedores, full) and example 2 (productos, incremental).
  await erp.pool.execute(
    'CREATE TABLE proveedores (id INT PRIMARY KEY, razon_social NVARCHAR(100), cuit NVARCHAR(20), email NVARCHAR(100), telefono NVARCHAR(30), activo BIT)',
  );
  await erp.pool.execute(
    "INSERT INTO proveedores VALUES (1, 'Proveedor A', '20-12345678-9', 'a@a.com', '111', 1), (2, 'Proveedor B', '20-87654321-0', NULL, NULL, 1), (3, 'De baja', '20-1-1', NULL, NULL, 0)",
  );
  await erp.pool.execute(
    'CREATE VIEW vista_proveedores AS SELECT id, razon_social, cuit, email, telefono, activo, GETDATE() AS updated_at FROM proveedores WHERE activo = 1',
  );
  await erp.pool.execute(
    'CREATE TABLE productos (codigo NVARCHAR(20) PRIMARY KEY, descripcion NVARCHAR(100), precio DECIMAL(14,4), fecha_modificacion DATETIME2(7))',
  );
  await erp.pool.execute(
    "INSERT INTO productos VALUES ('P1', 'Tornillo', 12.3456, '2026-03-01T09:30:00.1234560'), ('P2', 'Tuerca', 0.0001, '2026-03-01T09:30:00.1234570')",
  );
  await db.db
    .insertInto('sync_entity_config')
    .values([
      {
        tenant_id: 'acme',
        entity_type: 'PROVEEDOR',
        erp_type: 'AXIOMA',
        source_table: 'vista_proveedores',
        primary_key: 'codigo',
        direction: 'IN',
        queries: JSON.stringify({
          select_all: 'SELECT id as codigo, razon_social as nombre, cuit, email, telefono, activo FROM vista_proveedores',
        }),
        field_mapping: JSON.stringify({
          erp_to_hub: { codigo: 'id', nombre: 'nombre', cuit: 'cuit', email: 'email', telefono: 'telefono', activo: 'activo' },
        }),
      },
      {
        tenant_id: 'acme',
        entity_type: 'PRODUCTO',
        erp_type: 'AXIOMA',
        source_table: 'vista_productos_sync',
        primary_key: 'codigo',
        timestamp_field: 'fecha_modificacion',
        direction: 'IN',
        queries: JSON.stringify({
          select_all: 'SELECT codigo, descripcion, precio, fecha_modificacion FROM productos ORDER BY fecha_modificacion',
          select_since:
            'SELECT codigo, descripcion, precio, fecha_modificacion FROM productos WHERE fecha_modificacion > @lastSync ORDER BY fecha_modificacion',
          cursor: { field: 'fecha_modificacion', pk: 'codigo', lookback_seconds: 0 },
        }),
        field_mapping: JSON.stringify({
          erp_to_hub: { codigo: 'id', descripcion: 'descripcion', precio: 'precio', fecha_modificacion: 'modificado' },
        }),
      },
      {
        // Seed 001 example 3: the table is created by pre_process, then MERGEd.
        tenant_id: 'acme',
        entity_type: 'PLAN_CUENTAS_ERP',
        erp_type: 'AXIOMA',
        primary_key: 'codigo',
        direction: 'OUT',
        queries: JSON.stringify({
          schema: {
            columns: [
              { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
              { name: 'nombre', type: 'VARCHAR(200)', nullable: false },
              { name: 'nivel', type: 'INT', nullable: false },
            ],
          },
          pre_process: {
            run_on: 'erp',
            sql: "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas_erp') CREATE TABLE plan_cuentas_erp (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200), nivel INT)",
          },
          process: {
            query:
              "SELECT codigo, nombre, parametros_json->>'nivel' as nivel FROM parametros_maestros WHERE tipo_campo = 'cuenta' AND activo = true ORDER BY codigo",
          },
          post_process: {
            run_on: 'erp',
            sql: 'MERGE plan_cuentas_erp AS target USING {temp_table} AS source ON target.codigo = source.codigo WHEN MATCHED THEN UPDATE SET nombre = source.nombre, nivel = source.nivel WHEN NOT MATCHED THEN INSERT (codigo, nombre, nivel) VALUES (source.codigo, source.nombre, source.nivel);',
          },
        }),
      },
    ])
    .execute();
  await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
            values ('acme', 'CUENTA', 'AXIOMA', '1.1.01', '{"nombre": "Caja", "nivel": 3}', repeat('a', 64), 'IN'),
                   ('acme', 'CUENTA', 'AXIOMA', '1.1.02', '{"nombre": "Banco", "nivel": 3}', repeat('b', 64), 'IN')`.execute(db.db);

  const server = await startServer(t, db.url);
  const dir = agentDir(t);
  const count = async (entity: string) =>
    Number(
      (await sql<{ n: string }>`select count(*) n from sync_data where tenant_id = 'acme' and entity_type = ${entity}`.execute(db.db))
        .rows[0]!.n,
    );
  const hubQueue = async (entity: string) =>
    Number(
      (await sql<{ n: string }>`select count(*) n from sync_queue where entity_type = ${entity} and destination = 'HUB'`.execute(db.db))
        .rows[0]!.n,
    );

  await t.test('--version and --help', async (t) => {
    const v = await runAgent(dir, ['--version']);
    t.equal(v.code, 0);
    t.match(v.stdout, /^ax-sync-client \S+ \(node v24\.\d+\.\d+, linux-x64\)/);
    const h = await runAgent(dir, ['--help', '--lang', 'en']);
    t.equal(h.code, 0);
    t.match(h.stdout, /Exit codes: 0 ok, 1 run failed or partial, 2 usage or configuration/);
    const bad = await runAgent(dir, ['frobnicate']);
    t.equal(bad.code, 2);
    t.match(bad.stderr, /Comando desconocido: frobnicate/);
  });

  await t.test('init: a wrong key is refused (exit 2, nothing written); the right one writes an encrypted sync-config.enc', async (t) => {
    const wrong = await runAgent(dir, ['init', '--url', server.url, '--tenant', 'acme', '--key', 'sk_live_nope', '--encrypt', 'off']);
    t.equal(wrong.code, 2);
    t.match(wrong.stderr, /El servidor rechazó la clave o el tenant \(HTTP 401\)/);
    t.notOk(existsSync(path.join(dir, 'sync-config.enc')));
    const ok = await runAgent(dir, ['init', '--url', server.url, '--tenant', 'acme', '--key', key.raw, '--encrypt', 'off']);
    t.equal(ok.code, 0, ok.stderr);
    t.match(ok.stdout, /Configuración guardada/);
    const file = readFileSync(path.join(dir, 'sync-config.enc'), 'utf8');
    t.notMatch(file, key.raw, 'the API key is not in clear');
    t.notMatch(file, erp.options.password, 'nor the SQL Server password');
    t.match(JSON.parse(file), { format: 'ax-sync-config/v1', kdf: 'scrypt', N: 32768, r: 8, p: 1 });
  });

  await t.test('test: every check ✔ (backend, key, SQL Server login, version, TLS, each query)', async (t) => {
    const r = await runAgent(dir, ['test']);
    t.equal(r.code, 0, r.stdout + r.stderr);
    for (const line of [
      /✔ Servidor alcanzable/,
      /✔ Clave de API válida: tenant acme/,
      /✔ Inicio de sesión en SQL Server: hub_sync@127\.0\.0\.1/,
      /✔ Versión de SQL Server/,
      /✔ Cifrado TLS hacia SQL Server: no/,
      /✔ Consulta de "proveedor" preparada/,
      /✔ Consulta de "producto" preparada/,
    ])
      t.match(r.stdout, line);
    t.notMatch(r.stdout, /✘/);
  });

  await t.test(
    'sync: example 1 (full upload), example 2 (first incremental run = all), example 3 (download + MERGE into a table made by pre_process)',
    async (t) => {
      const r = await runAgent(dir, ['sync']);
      t.equal(r.code, 0, r.stdout + r.stderr);
      t.match(r.stdout, /Subida proveedor: 2 filas leídas, 2 nuevas o modificadas/);
      t.match(r.stdout, /Subida producto: 2 filas leídas, 2 nuevas o modificadas/);
      t.match(r.stdout, /Bajada plan_cuentas_erp: 2 filas cargadas, MERGE afectó 2/);
      t.equal(await count('PROVEEDOR'), 2, 'only active suppliers (the view)');
      const p1 = await db.db
        .selectFrom('sync_data')
        .select('payload')
        .where('entity_type', '=', 'PRODUCTO')
        .where('entity_id', '=', 'P1')
        .executeTakeFirstOrThrow();
      t.match(p1.payload, { precio: '12.3456' }, 'decimals stay exact strings');
      t.same((await erp.pool.execute('SELECT codigo, nombre, nivel FROM plan_cuentas_erp ORDER BY codigo')).rows, [
        { codigo: '1.1.01', nombre: 'Caja', nivel: 3 },
        { codigo: '1.1.02', nombre: 'Banco', nivel: 3 },
      ]);
      const state = JSON.parse(readFileSync(path.join(dir, 'last-sync.json'), 'utf8'));
      t.equal(
        state.tables.producto.cursor,
        '2026-03-01T09:30:00.1234570',
        'the cursor keeps every fractional digit (the simulator stores µs; SQL Server 100 ns)',
      );
      t.match(state.runs.at(-1), { status: 'ok', tables: 3, errors: 0 });
      const logs = await db.db.selectFrom('sync_log').select(['entity_type', 'phase', 'status']).where('action', '=', 'AGENT').execute();
      t.ok(
        logs.some((l) => l.entity_type === 'PLAN_CUENTAS_ERP' && l.phase === 'pre_process' && l.status === 'SUCCESS'),
        'logs reached the backend',
      );
      t.ok(existsSync(path.join(dir, 'logs/sync-combined.log')));
      t.notOk(existsSync(path.join(dir, 'logs/pending-logs.jsonl')), 'the local log queue is empty');
    },
  );

  await t.test('example 2 again: only rows after the cursor are read; example 3 again: MERGE updates in place', async (t) => {
    await erp.pool.execute("UPDATE productos SET precio = 13.0000, fecha_modificacion = '2026-03-02T08:00:00.0000010' WHERE codigo = 'P1'");
    await erp.pool.execute("INSERT INTO productos VALUES ('P3', 'Arandela', 1.5, '2026-03-02T08:00:00.0000020')");
    await sql`update sync_data set payload = '{"nombre": "Caja chica", "nivel": 4}' where entity_type = 'CUENTA' and entity_id = '1.1.01'`.execute(
      db.db,
    );
    const r = await runAgent(dir, ['sync', '--table', 'producto']);
    t.equal(r.code, 0, r.stdout + r.stderr);
    t.match(r.stdout, /Subida producto: 2 filas leídas, 2 nuevas o modificadas/);
    t.equal(await count('PRODUCTO'), 3);
    t.equal(await hubQueue('PRODUCTO'), 4, 'P1 twice (changed), P2 and P3 once');
    t.equal(JSON.parse(readFileSync(path.join(dir, 'last-sync.json'), 'utf8')).tables.producto.cursor, '2026-03-02T08:00:00.0000020');
    const d = await runAgent(dir, ['sync', '--download-only']);
    t.equal(d.code, 0, d.stdout + d.stderr);
    t.same((await erp.pool.execute("SELECT nombre, nivel FROM plan_cuentas_erp WHERE codigo = '1.1.01'")).rows, [
      { nombre: 'Caja chica', nivel: 4 },
    ]);
    const full = await runAgent(dir, ['sync', '--table', 'producto', '--full']);
    t.match(
      full.stdout,
      /Subida producto: 3 filas leídas, 0 nuevas o modificadas/,
      '--full re-reads everything; unchanged rows are not rewritten',
    );
    t.equal(await hubQueue('PRODUCTO'), 4);
    const s = await runAgent(dir, ['status']);
    t.match(s.stdout, /producto\s+ok .*cursor=2026-03-02T08:00:00\.0000020/);
  });

  await t.test('config show redacts the key and the SQL Server password', async (t) => {
    const r = await runAgent(dir, ['config', 'show']);
    t.equal(r.code, 0);
    t.notMatch(r.stdout, key.raw);
    t.match(r.stdout, /"sqlServerPassword": "\(cifrada\)"/);
    t.match(r.stdout, /"apiKey": "sk_\S*…\(oculta\)"/);
  });

  await t.test('wrong config password, no password, tampered file: clear message, exit 2', async (t) => {
    const wrong = await runAgent(dir, ['sync'], { SYNC_CONFIG_PASSWORD: 'otra' });
    t.equal(wrong.code, 2);
    t.match(wrong.stderr, /No se pudo abrir sync-config\.enc: la contraseña es incorrecta o el archivo fue modificado/);
    const none = await runAgent(dir, ['sync', '--lang', 'en'], { SYNC_CONFIG_PASSWORD: '' });
    t.equal(none.code, 2);
    t.match(none.stderr, /The configuration password is missing: set SYNC_CONFIG_PASSWORD/);
    const file = path.join(dir, 'sync-config.enc');
    const original = readFileSync(file, 'utf8');
    const env = JSON.parse(original);
    const ct = Buffer.from(env.ct, 'base64');
    ct[10]! ^= 1;
    writeFileSync(file, JSON.stringify({ ...env, ct: ct.toString('base64') }));
    const tampered = await runAgent(dir, ['sync']);
    t.equal(tampered.code, 2);
    t.match(tampered.stderr, /la contraseña es incorrecta o el archivo fue modificado/);
    writeFileSync(file, JSON.stringify({ ...env, N: 1024 }));
    t.equal((await runAgent(dir, ['sync'])).code, 2, 'the KDF parameters are authenticated too');
    writeFileSync(file, 'garbage');
    const garbage = await runAgent(dir, ['sync']);
    t.equal(garbage.code, 2);
    t.match(garbage.stderr, /no es un archivo de configuración válido/);
    writeFileSync(file, original);
  });

  await t.test('overlapping runs: a live lock → the second run exits 1 with a message; a stale lock is taken over', async (t) => {
    const lock = path.join(dir, 'sync.lock');
    writeFileSync(lock, String(server.child.pid)); // a live process holds it
    const r = await runAgent(dir, ['sync']);
    t.equal(r.code, 1);
    t.match(r.stderr, new RegExp(`Ya hay una sincronización en curso \\(proceso ${server.child.pid}\\)`));
    t.ok(existsSync(lock), 'the other run’s lock is left alone');
    writeFileSync(lock, '2147483646'); // no such process: a run killed earlier
    const again = await runAgent(dir, ['sync', '--upload-only']);
    t.equal(again.code, 0, again.stderr);
    t.notOk(existsSync(lock), 'released at the end');
  });

  await t.test('SQL Server unreachable: test shows ✘ with the next step (exit 1), sync exits 1 and keeps the cursors', async (t) => {
    const port = await freePort();
    await sql`update sync_erp_connection set port = ${port}, updated_at = now() where tenant_id = 'acme'`.execute(db.db);
    t.teardown(() =>
      sql`update sync_erp_connection set port = ${erp.options.port!}, updated_at = now() where tenant_id = 'acme'`.execute(db.db),
    );
    const before = readFileSync(path.join(dir, 'last-sync.json'), 'utf8');
    const r = await runAgent(dir, ['test']);
    t.equal(r.code, 1);
    t.match(r.stdout, /✘ Inicio de sesión en SQL Server: .*ECONNREFUSED|✘ Inicio de sesión en SQL Server: .*ESOCKET/);
    t.match(r.stdout, /→ revise host, puerto, usuario y contraseña de SQL Server/);
    const s = await runAgent(dir, ['sync', '--upload-only']);
    t.equal(s.code, 1);
    t.match(s.stdout, /Error en proveedor:/);
    t.equal(
      JSON.parse(readFileSync(path.join(dir, 'last-sync.json'), 'utf8')).tables.producto.cursor,
      JSON.parse(before).tables.producto.cursor,
    );
  });

  await t.test('the backend stops in the middle of an upload: the next run loses nothing and doubles nothing', async (t) => {
    await erp.pool.execute('CREATE TABLE articulos (codigo INT PRIMARY KEY, nombre NVARCHAR(50), modif DATETIME2(7))');
    const values = Array.from(
      { length: 2500 },
      (_, i) => `(${i + 1}, 'Art ${i + 1}', '2026-01-01T00:00:00.${String(i * 10).padStart(7, '0')}')`,
    );
    for (let i = 0; i < values.length; i += 500)
      await erp.pool.execute(`INSERT INTO articulos VALUES ${values.slice(i, i + 500).join(', ')}`);
    await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: 'ARTICULO',
        erp_type: 'AXIOMA',
        primary_key: 'codigo',
        direction: 'IN',
        queries: JSON.stringify({
          select_all: 'SELECT codigo, nombre, modif FROM articulos ORDER BY modif',
          select_since: 'SELECT codigo, nombre, modif FROM articulos WHERE modif > @lastSync ORDER BY modif',
          cursor: { field: 'modif', pk: 'codigo', lookback_seconds: 0 },
        }),
        field_mapping: JSON.stringify({ erp_to_hub: { codigo: 'id', nombre: 'nombre' } }),
      })
      .execute();
    // A loopback relay in front of the server that kills the server when the 2nd upload of articulo arrives.
    let current = server;
    let uploads = 0;
    const relay = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.url?.startsWith('/api/sync/upload/') && ++uploads === 2) {
        current.child.kill('SIGKILL');
        await finished(current.child, 10_000);
        req.socket.destroy();
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      try {
        const r = await fetch(current.url + req.url, {
          method: req.method,
          headers,
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await r.arrayBuffer()));
      } catch {
        req.socket.destroy();
      }
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    t.teardown(() => relay.close());
    const relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}`;
    const dir2 = agentDir(t);
    t.equal((await runAgent(dir2, ['init', '--url', relayUrl, '--tenant', 'acme', '--key', key.raw, '--encrypt', 'off'])).code, 0);
    const first = await runAgent(dir2, ['sync', '--table', 'articulo']);
    t.equal(first.code, 1, 'the run failed');
    t.match(first.stdout, /Error en articulo:/);
    t.equal(await count('ARTICULO'), 1000, 'the first batch was stored before the server died');
    const state = existsSync(path.join(dir2, 'last-sync.json'))
      ? JSON.parse(readFileSync(path.join(dir2, 'last-sync.json'), 'utf8'))
      : { tables: {} };
    t.equal(state.tables.articulo?.cursor, undefined, 'no cursor: nothing was acknowledged up to the end');
    t.ok(existsSync(path.join(dir2, 'logs/pending-logs.jsonl')), 'the failure log waits in the local queue');
    current = await startServer(t, db.url, server.port);
    const second = await runAgent(dir2, ['sync', '--table', 'articulo']);
    t.equal(second.code, 0, second.stdout + second.stderr);
    t.match(second.stdout, /Subida articulo: 2500 filas leídas, 1500 nuevas o modificadas/);
    t.equal(await count('ARTICULO'), 2500, 'nothing lost');
    t.equal(await hubQueue('ARTICULO'), 2500, 'nothing doubled: each article queued for the Hub once');
    t.equal(
      Number(
        (await sql<{ n: string }>`select count(*) n from sync_data where entity_type = 'ARTICULO' and version <> 1`.execute(db.db)).rows[0]!
          .n,
      ),
      0,
    );
    t.equal(JSON.parse(readFileSync(path.join(dir2, 'last-sync.json'), 'utf8')).tables.articulo.cursor, '2026-01-01T00:00:00.0024990');
    t.notOk(existsSync(path.join(dir2, 'logs/pending-logs.jsonl')), 'the queued logs were sent');
    const failed = await db.db
      .selectFrom('sync_log')
      .select('status')
      .where('action', '=', 'AGENT')
      .where('entity_type', '=', 'ARTICULO')
      .where('status', '=', 'FAILED')
      .execute();
    t.equal(failed.length, 1, 'the failed run’s log arrived later');
  });
});
