/**
 * `make agent-test-windows` (not part of `make test`; scripts/agent-windows.sh runs it): the Windows
 * executable dist/ax-sync-client.exe under Wine against the real server (a host process on
 * 127.0.0.1) and the ERP simulator over TDS — --version, init, test, and sync with an upload and a
 * download — checking exit codes, output, and the rows that arrived on each side.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { tenantWithErp } from '../helpers/sync-fixture.ts';
import { startServer } from '../agent-exe/exe.ts';
import { seed001Examples } from './fixture.ts';
import { runWine, WORK, WORK_WIN } from './wine.ts';

t.test('ax-sync-client.exe under Wine', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  await tenantWithErp(db.db, erp);
  const key = generateApiKey();
  await insertApiKey(db.db, { tenantId: 'acme', hash: key.hash, prefix: key.prefix, scopes: ['agent'] });
  await seed001Examples(db.db, erp);
  const server = await startServer(t, db.url);
  const count = async (entity: string) =>
    Number(
      (await sql<{ n: string }>`select count(*) n from sync_data where tenant_id = 'acme' and entity_type = ${entity}`.execute(db.db))
        .rows[0]!.n,
    );
  const state = () => JSON.parse(readFileSync(path.join(WORK, 'last-sync.json'), 'utf8'));

  await t.test('--version, --help and an unknown command', async (t) => {
    const v = await runWine(['--version']);
    t.equal(v.code, 0, v.stdout + v.stderr);
    t.match(v.stdout, /^ax-sync-client \S+ \(node v24\.\d+\.\d+, win32-x64\)/, 'the Windows build of Node, not the Linux one');
    const h = await runWine(['--help', '--lang', 'en']);
    t.equal(h.code, 0, h.stderr);
    t.match(h.stdout, /Exit codes: 0 ok, 1 run failed or partial, 2 usage or configuration/);
    const bad = await runWine(['frobnicate']);
    t.equal(bad.code, 2, bad.stderr);
    t.match(bad.stderr, /Comando desconocido: frobnicate/);
  });

  await t.test('init: a wrong key → exit 2, nothing written; the right key → sync-config.enc next to the .exe', async (t) => {
    const wrong = await runWine(['init', '--url', server.url, '--tenant', 'acme', '--key', 'sk_live_nope', '--encrypt', 'off']);
    t.equal(wrong.code, 2, wrong.stderr);
    t.match(wrong.stderr, /El servidor rechazó la clave o el tenant \(HTTP 401\)/);
    t.notOk(existsSync(path.join(WORK, 'sync-config.enc')));
    const ok = await runWine(['init', '--url', server.url, '--tenant', 'acme', '--key', key.raw, '--encrypt', 'off']);
    t.equal(ok.code, 0, ok.stdout + ok.stderr);
    t.match(ok.stdout, /Configuración guardada/);
    const file = readFileSync(path.join(WORK, 'sync-config.enc'), 'utf8');
    t.notMatch(file, key.raw, 'the API key is not in clear');
    t.notMatch(file, erp.options.password, 'nor the SQL Server password');
    t.match(JSON.parse(file), { format: 'ax-sync-config/v1', kdf: 'scrypt' });
  });

  await t.test('test: every check ✔', async (t) => {
    const r = await runWine(['test']);
    t.equal(r.code, 0, r.stdout + r.stderr);
    for (const line of [
      /✔ Servidor alcanzable/,
      /✔ Clave de API válida: tenant acme/,
      /✔ Inicio de sesión en SQL Server: hub_sync@127\.0\.0\.1/,
      /✔ Versión de SQL Server/,
      /✔ Consulta de "proveedor" preparada/,
      /✔ Consulta de "producto" preparada/,
    ])
      t.match(r.stdout, line);
    t.notMatch(r.stdout, /✘/);
  });

  await t.test('sync: uploads (examples 1 and 2) and a download MERGEd into the ERP (example 3)', async (t) => {
    const r = await runWine(['sync']);
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
    t.equal(state().tables.producto.cursor, '2026-03-01T09:30:00.1234570', 'the cursor keeps every fractional digit');
    t.match(state().runs.at(-1), { status: 'ok', tables: 3, errors: 0 });
    t.ok(existsSync(path.join(WORK, 'logs/sync-combined.log')), 'logs\\ next to the .exe');
  });

  await t.test('sync again: incremental upload after the cursor, and the download updates in place', async (t) => {
    await erp.pool.execute("UPDATE productos SET precio = 13.0000, fecha_modificacion = '2026-03-02T08:00:00.0000010' WHERE codigo = 'P1'");
    await sql`update sync_data set payload = '{"nombre": "Caja chica", "nivel": 4}' where entity_type = 'CUENTA' and entity_id = '1.1.01'`.execute(
      db.db,
    );
    const up = await runWine(['sync', '--upload-only', '--table', 'producto']);
    t.equal(up.code, 0, up.stdout + up.stderr);
    t.match(up.stdout, /Subida producto: 1 filas leídas, 1 nuevas o modificadas/);
    t.equal(state().tables.producto.cursor, '2026-03-02T08:00:00.0000010');
    const down = await runWine(['sync', '--download-only']);
    t.equal(down.code, 0, down.stdout + down.stderr);
    t.same((await erp.pool.execute("SELECT nombre, nivel FROM plan_cuentas_erp WHERE codigo = '1.1.01'")).rows, [
      { nombre: 'Caja chica', nivel: 4 },
    ]);
  });

  await t.test('status, the schtasks line for this folder, and a wrong config password (exit 2)', async (t) => {
    const s = await runWine(['status']);
    t.equal(s.code, 0, s.stdout + s.stderr);
    t.match(s.stdout, /producto\s+ok .*cursor=2026-03-02T08:00:00\.0000010/);
    const sch = await runWine(['schedule', '--every', '10']);
    t.equal(sch.code, 0, sch.stdout + sch.stderr);
    t.match(sch.stdout, `schtasks /create /tn "AX Sync" /tr "\\"${WORK_WIN}\\ax-sync-client.exe\\" sync --dir \\"${WORK_WIN}\\""`);
    const wrong = await runWine(['sync'], { SYNC_CONFIG_PASSWORD: 'otra' });
    t.equal(wrong.code, 2, wrong.stderr);
    t.match(wrong.stderr, /No se pudo abrir sync-config\.enc: la contraseña es incorrecta o el archivo fue modificado/);
  });
});
