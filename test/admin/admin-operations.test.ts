/**
 * The admin CLI's operating commands as real processes against real PostgreSQL, the ERP simulator
 * and a real worker: `erp test`, `run` (with `--wait`), `status`, `key list` with last use, Spanish
 * by default and English with --lang en / LANG=en*.
 */
import t from 'tap';
import { createTestDatabase, ownerQuery } from '../helpers/db.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { runBin, startBin, TEST_SECRET_KEY, waitForOutput } from '../helpers/processes.ts';
import { PROVEEDOR_CONFIG, tenantWithErp } from '../helpers/sync-fixture.ts';

const noStack = /\n\s+at /;

t.test('admin erp test, run, status, key list', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  await tenantWithErp(db.db, erp, 'acme');
  await db.db
    .insertInto('sync_entity_config')
    .values({ tenant_id: 'acme', ...PROVEEDOR_CONFIG })
    .execute();
  // A second entity whose table does not exist on the ERP: its runs fail.
  await db.db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      ...PROVEEDOR_CONFIG,
      entity_type: 'ARTICULO',
      queries: JSON.stringify({ select_all: 'SELECT Codigo FROM ArticulosQueNoExisten' }),
      field_mapping: JSON.stringify({ erp_to_hub: { Codigo: 'id' } }),
      transform_rules: '[]',
      primary_key: 'Codigo',
      timestamp_field: null,
    })
    .execute();
  await erp.pool.execute(
    'CREATE TABLE Proveedores (CodProv NVARCHAR(20) PRIMARY KEY, RazonSocial NVARCHAR(100), Cuit NVARCHAR(20), Saldo DECIMAL(14,2), FechaModif DATETIME2(7))',
  );
  await erp.db!.pool.query(
    `insert into "proveedores" values ('P1', 'Ñandú SA', '30-1-9', 10.50, timestamp '2026-03-01 10:00:00'),
       ('P2', 'Dos SRL', '30-2-9', 20.25, timestamp '2026-03-01 10:00:00'), ('P3', 'Tres', '30-3-9', 0.10, timestamp '2026-03-01 10:00:00')`,
  );
  const env = { DATABASE_URL: db.url, SYNC_SECRET_KEY: TEST_SECRET_KEY };
  const admin = (args: string[], o: { stdin?: string; env?: Record<string, string> } = {}) =>
    runBin('admin', args, { env: { ...env, ...o.env }, stdin: o.stdin });
  const jobs = async () => Number((await db.pool.query(`select count(*) n from pgboss.job where name = 'sync-pull'`)).rows[0].n as string);

  t.test('erp test: every check ✔ with the right password, in Spanish by default and in English with --lang en', async (t) => {
    const es = await admin(['erp', 'test', 'acme']);
    t.equal(es.code, 1, 'ARTICULO reads a table that does not exist: a ✘, exit 1');
    t.match(es.stdout, /^✔ Conexión TCP al servidor — 127\.0\.0\.1:\d+$/m);
    t.match(es.stdout, /^✔ Inicio de sesión — hub_sync @ axioma$/m);
    t.match(es.stdout, /^! Cifrado TLS — encrypt=off\n\s+qué hacer: La conexión no está cifrada/m, 'a warning carries its advice');
    t.match(es.stdout, /^✔ Prueba en seco \(lectura\): PROVEEDOR\.select_all$/m);
    t.match(
      es.stdout,
      /^✘ Prueba en seco \(lectura\): ARTICULO\.select_all — SQL Server 208: .*\n\s+qué hacer: La consulta falla en el ERP/m,
    );
    t.match(es.stderr, /^admin: la prueba de conexión falló: 1 de \d+ comprobaciones con ✘$/m);
    t.notMatch(es.stderr, noStack);
    t.notMatch(es.stdout + es.stderr, erp.options.password, 'the password is never printed');

    await db.db.updateTable('sync_entity_config').set({ enabled: false }).where('entity_type', '=', 'ARTICULO').execute();
    t.teardown(() => db.db.updateTable('sync_entity_config').set({ enabled: true }).where('entity_type', '=', 'ARTICULO').execute());
    const ok = await admin(['erp', 'test', 'acme']);
    t.equal(ok.code, 0, ok.stderr);
    t.match(ok.stdout, /^conexión correcta: \d+ comprobaciones$/m);
    t.notMatch(ok.stdout, /✘/);
    const en = await admin(['erp', 'test', 'acme', '--lang', 'en']);
    t.equal(en.code, 0, en.stderr);
    t.match(en.stdout, /^✔ Login — hub_sync @ axioma$/m);
    t.match(en.stdout, /^✔ Dry run \(read\): PROVEEDOR\.select_all$/m);
    t.match(en.stdout, /^connection ok: \d+ checks$/m);
  });

  t.test('erp test with a wrong password: ✘ login with SQL Server 18456 and its advice, exit 1, no stack trace', async (t) => {
    const set = (password: string) =>
      admin(
        [
          'erp',
          'set',
          'acme',
          'AXIOMA',
          '--host',
          '127.0.0.1',
          '--port',
          String(erp.options.port),
          '--database',
          'axioma',
          '--user',
          'hub_sync',
          '--password-stdin',
          '--encrypt',
          'off',
          '--trust-server-certificate',
        ],
        { stdin: password + '\n' },
      );
    t.equal((await set('Wrong-Passw0rd')).code, 0);
    t.teardown(async () => void (await set(erp.options.password)));
    const es = await admin(['erp', 'test', 'acme']);
    t.equal(es.code, 1);
    t.match(
      es.stdout,
      /^✘ Inicio de sesión — SQL Server 18456: .*\n\s+qué hacer: La contraseña o el usuario son incorrectos: vuelva a cargarlos\.$/m,
    );
    t.match(es.stderr, /^admin: la prueba de conexión falló/m);
    t.notMatch(es.stderr, noStack);
    t.notMatch(es.stdout + es.stderr, 'Wrong-Passw0rd');
    const en = await admin(['erp', 'test', 'acme', '--lang', 'en']);
    t.equal(en.code, 1);
    t.match(en.stdout, /^✘ Login — SQL Server 18456: .*\n\s+what to do: The password or user is wrong: set them again\.$/m);
    t.match(en.stderr, /^admin: the connection test failed/m);
  });

  t.test('erp test on a tenant without a connection, or in agent mode: one clear line', async (t) => {
    t.equal((await admin(['tenant', 'create', 'beta', '--name', 'Beta'])).code, 0);
    const none = await admin(['erp', 'test', 'beta']);
    t.equal(none.code, 2);
    t.match(none.stderr, /^admin: el tenant 'beta' no tiene conexión al ERP \(cárguela con: admin erp set beta/);
    const ghost = await admin(['erp', 'test', 'ghost', '--lang', 'en']);
    t.equal(ghost.code, 2);
    t.match(ghost.stderr, /unknown tenant 'ghost'/);
    const missing = await admin(['erp', 'test']);
    t.equal(missing.code, 2);
    t.match(missing.stderr, /tenant: obligatorio/);
  });

  t.test('run: misuse exits 2 and queues nothing', async (t) => {
    const before = await jobs();
    const ghost = await admin(['run', 'acme', 'GHOST']);
    t.equal(ghost.code, 2);
    t.match(ghost.stderr, /^admin: la entidad GHOST no tiene una configuración habilitada/);
    const noEntity = await admin(['run', 'acme', '--lang', 'en']);
    t.equal(noEntity.code, 2);
    t.match(noEntity.stderr, /entity: /);
    const bad = await admin(['run', 'acme', 'PROVEEDOR', '--fast']);
    t.equal(bad.code, 2);
    t.match(bad.stderr, /Unknown option '--fast'/);
    t.notMatch(bad.stderr, noStack);
    t.equal(await jobs(), before, 'nothing queued');
  });

  t.test('run queues the same pg-boss job as POST /sync/run; --wait follows it to the end; status shows it', async (t) => {
    const queued = await admin(['run', 'acme', 'PROVEEDOR', '--full']);
    t.equal(queued.code, 0, queued.stderr);
    const runId = /^corrida ([0-9a-f-]{36}) de PROVEEDOR en cola$/m.exec(queued.stdout)?.[1];
    t.ok(runId, queued.stdout);
    const job = (await db.pool.query(`select state, data from pgboss.job where name = 'sync-pull' and id = $1`, [runId])).rows[0] as {
      state: string;
      data: { tenantId: string; configId: string; mode?: string };
    };
    t.equal(job.state, 'created', 'queued, no worker yet');
    t.match(job.data, { tenantId: 'acme', mode: 'full' });

    const worker = startBin('worker', [], { env: { ...env, QUEUE_SUPERVISE_SECONDS: '1' } });
    t.teardown(() => void worker.kill('SIGKILL'));
    await waitForOutput(worker, /worker ready/, 60_000);

    const waited = await admin(['run', 'acme', 'PROVEEDOR', '--wait'], { env: { LANG: 'en_US.UTF-8' } });
    t.equal(waited.code, 0, waited.stderr);
    const waitedId = /^run ([0-9a-f-]{36}) of PROVEEDOR queued$/m.exec(waited.stdout)?.[1];
    t.match(waited.stdout, /^finished: SUCCESS — \w+ pull completed: read \d+, changed \d+, deleted 0, errors 0$/m);
    const log = (await db.pool.query(`select status from sync_log where phase = 'process' and metadata->>'run_id' = $1`, [waitedId])).rows;
    t.same(log, [{ status: 'SUCCESS' }], 'the run it waited for is logged as done');
    const hub = await db.pool.query(`select count(*) n from sync_queue where destination = 'HUB' and entity_type = 'PROVEEDOR'`);
    t.equal(Number(hub.rows[0].n), 3, 'the three suppliers are queued for the Hub');

    const failed = await admin(['run', 'acme', 'ARTICULO', '--wait']);
    t.equal(failed.code, 1, 'a failed run exits 1');
    t.match(failed.stderr, /^admin: la corrida falló \(FAILED\): full pull failed: .*SQL Server error 208.*articulosquenoexisten/im);
    t.notMatch(failed.stderr, noStack);

    await db.pool.query(`update sync_queue set status = 'DEAD' where entity_id = 'P3'`);
    const es = await admin(['status', 'acme']);
    t.equal(es.code, 0, es.stderr);
    const lines = es.stdout.trim().split('\n');
    t.match(lines[0], /^entidad\tdirección\túltima corrida\testado/);
    t.match(lines[1], /^ARTICULO\tIN\t\S+Z\tFAILED\t0\/0\/0\tnunca\t0\t0\t0$/);
    t.match(
      lines[2],
      /^PROVEEDOR\tIN\t\S+Z\tSUCCESS\t3\/0\/0\thace \d+ s\t2\t0\t1$/,
      'the last run read 3 and changed none; 2 pending, 1 dead',
    );
    const en = await admin(['status', 'acme', '--lang', 'en']);
    t.match(en.stdout, /^PROVEEDOR\tIN\t\S+Z\tSUCCESS\t3\/0\/0\t\d+ s ago\t2\t0\t1$/m);
    t.equal((await admin(['status', 'beta'])).stdout.trim(), "el tenant 'beta' no tiene entidades configuradas");
  });

  t.test('key list shows when each key was last used', async (t) => {
    t.equal((await admin(['key', 'create', 'acme', '--scope', 'hub'])).code, 0);
    t.equal((await admin(['key', 'create', 'acme', '--scope', 'admin'])).code, 0);
    await db.pool.query(
      `update sync_api_key set last_used_at = '2026-11-20T08:30:00Z' where id = (select id from sync_api_key where tenant_id = 'acme' order by created_at limit 1)`,
    );
    const es = await admin(['key', 'list', 'acme']);
    t.equal(es.code, 0, es.stderr);
    t.match(es.stdout, /^\S+\thub\tactiva\tcreada \S+\túltimo uso 2026-11-20T08:30:00\.000Z$/m);
    t.match(es.stdout, /^\S+\tadmin\tactiva\tcreada \S+\túltimo uso nunca$/m);
    const en = await admin(['key', 'list', 'acme', '--lang=en']);
    t.match(en.stdout, /^\S+\thub\tactive\tcreated \S+\tlast used 2026-11-20T08:30:00\.000Z$/m);
  });

  t.test('an unforeseen database error mid-command: one line, exit 1, no stack trace', async (t) => {
    await ownerQuery(db, 'revoke select on sync_log from parse_sync_app');
    t.teardown(() => ownerQuery(db, 'grant select on sync_log to parse_sync_app'));
    const r = await admin(['status', 'acme']);
    t.equal(r.code, 1);
    t.match(r.stderr, /^admin: permission denied for table sync_log\n$/);
  });
});
