import t from 'tap';
import { freePort } from '../helpers/processes.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { startTestApi, type TestApi } from '../helpers/api.ts';

type Check = { id: string; status: string; title: string; detail: string; next_step: string };

async function setup(t: { teardown(fn: () => unknown): void }) {
  const api = await startTestApi(t);
  const erp = await simulatorTarget(t);
  await erp.pool.execute('CREATE TABLE Proveedores (CodProv NVARCHAR(20) PRIMARY KEY, RazonSocial NVARCHAR(100))');
  await erp.pool.execute("INSERT INTO Proveedores (CodProv, RazonSocial) VALUES ('P1', 'Ñandú SA')");
  await erp.pool.execute('CREATE TABLE OC (Id INT IDENTITY(1,1) PRIMARY KEY, Numero NVARCHAR(20) NULL)');
  const body = (o: Record<string, unknown> = {}) => ({
    erp_type: 'AXIOMA',
    host: '127.0.0.1',
    port: erp.options.port,
    database: 'axioma',
    username: 'hub_sync',
    password: erp.options.password,
    encrypt: 'off',
    trust_server_certificate: true,
    ...o,
  });
  return { api, erp, body };
}
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);

t.test(
  'PUT/GET: the password is write-only, sealed at rest, required the first time; bad input names the field and writes nothing',
  async (t) => {
    const { api, erp, body } = await setup(t);
    const before = await api.snapshot();
    const noPw = await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: { ...body(), password: undefined } });
    t.equal(noPw.status, 400);
    t.match(noPw.body.error.message, /password/);
    const badPort = await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: body({ port: 70000 }) });
    t.equal(badPort.status, 400);
    t.match(JSON.stringify(badPort.body), /port/);
    t.same(await api.snapshot(), before, 'nothing written');
    t.equal((await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.hub, body: body() })).status, 403, 'hub scope may not');

    const put = await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: body() });
    t.equal(put.status, 200);
    t.equal(put.body.password_set, true);
    t.equal(put.body.version, 1);
    const got = await api.call('GET', '/api/v1/sync/erp-connection', { key: api.keys.admin });
    t.equal(got.status, 200);
    t.equal(got.body.host, '127.0.0.1');
    t.notMatch(JSON.stringify(got.body), erp.options.password, 'the password is never returned');
    const stored = await api.db.db.selectFrom('sync_erp_connection').select('password').executeTakeFirstOrThrow();
    t.notMatch(JSON.stringify(stored.password), erp.options.password, 'sealed at rest');

    // Omitting the password keeps the stored one (version goes up, the test still logs in).
    const again = await api.call('PUT', '/api/v1/sync/erp-connection', {
      key: api.keys.admin,
      body: { ...body({ request_timeout_ms: 60_000 }), password: undefined },
    });
    t.equal(again.status, 200);
    t.equal(again.body.version, 2);
    t.equal(again.body.request_timeout_ms, 60_000);
    const test = await api.call('POST', '/api/v1/sync/erp-connection/test', { key: api.keys.admin });
    t.equal(byId(test.body.checks, 'login')?.status, 'ok');
    t.equal((await api.call('GET', '/api/v1/sync/erp-connection', { key: api.keys.otherAdmin })).status, 404, 'another tenant sees none');
  },
);

t.test('deep test with the right password: every check passes, reads fetch no row, writes are rolled back', async (t) => {
  const { api, erp, body } = await setup(t);
  await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: body() });
  const r = await api.call('POST', '/api/v1/sync/erp-connection/test', { key: api.keys.admin });
  t.equal(r.status, 200);
  const checks = r.body.checks as Check[];
  t.equal(r.body.ok, true, JSON.stringify(checks.filter((c) => c.status === 'fail')));
  t.equal(byId(checks, 'tcp')?.status, 'ok');
  t.equal(byId(checks, 'tls')?.status, 'warn', 'encrypt=off is flagged');
  t.match(byId(checks, 'tls')?.next_step, /encrypt=on/);
  t.equal(byId(checks, 'login')?.status, 'ok');
  t.match(byId(checks, 'version')?.detail, /15\.0\.2000\.5/);
  t.match(byId(checks, 'collation')?.detail, /1252/);
  t.ok(byId(checks, 'tracking'), 'Change Tracking / snapshot is reported (the simulator cannot answer: warn)');
  t.equal(byId(checks, 'dry_run:PROVEEDOR:select_all')?.status, 'ok');
  t.equal(byId(checks, 'dry_run:ORDEN_COMPRA:insert')?.status, 'ok');
  t.equal(byId(checks, 'permissions')?.status, 'ok');
  const oc = await erp.pool.execute('SELECT COUNT(*) AS n FROM OC');
  t.equal(Number(oc.rows[0]!.n), 0, 'the dry-run INSERT was rolled back');
});

t.test('deep test with a wrong password: login fails with the advice, in Spanish by default and English on request', async (t) => {
  const { api, body } = await setup(t);
  await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: body({ password: 'Contraseña-mala' }) });
  const es = await api.call('POST', '/api/v1/sync/erp-connection/test', { key: api.keys.admin });
  t.equal(es.status, 200);
  t.equal(es.body.ok, false);
  const login = byId(es.body.checks, 'login')!;
  t.equal(login.status, 'fail');
  t.match(login.detail, /18456/);
  t.equal(login.next_step, 'La contraseña o el usuario son incorrectos: vuelva a cargarlos.');
  t.notMatch(JSON.stringify(es.body), 'Contraseña-mala', 'the password is not echoed');
  t.notOk(byId(es.body.checks, 'dry_run:PROVEEDOR:select_all'), 'no dry run after a failed login');
  const en = await api.call('POST', '/api/v1/sync/erp-connection/test', {
    key: api.keys.admin,
    headers: { 'accept-language': 'en-US,en;q=0.9' },
  });
  t.equal(byId(en.body.checks, 'login')?.next_step, 'The password or user is wrong: set them again.');
});

t.test('deep test against a closed port: TCP fails with the next step', async (t) => {
  const { api, body } = await setup(t);
  await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: body({ port: await freePort() }) });
  const r = await api.call('POST', '/api/v1/sync/erp-connection/test', { key: api.keys.admin });
  t.equal(r.body.ok, false);
  t.equal(byId(r.body.checks, 'tcp')?.status, 'fail');
  t.match(byId(r.body.checks, 'tcp')?.next_step, /firewall/);
  t.equal(byId(r.body.checks, 'login')?.status, 'skip');
});

t.test('config/validate dry-runs one config before it is saved; a wrong table is named with SQL Server 208', async (t) => {
  const { api, body } = await setup(t);
  await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: body() });
  const before = await api.snapshot();
  const good = await api.call('POST', '/api/v1/sync/config/validate', {
    key: api.keys.admin,
    body: {
      entity_type: 'PROVEEDOR',
      erp_type: 'AXIOMA',
      direction: 'IN',
      queries: { select_all: 'SELECT CodProv, RazonSocial FROM Proveedores ORDER BY CodProv' },
    },
  });
  t.equal(good.status, 200);
  t.equal(good.body.ok, true, JSON.stringify(good.body));
  t.notOk(byId(good.body.checks, 'tcp'), 'only the dry run');
  const bad = await api.call('POST', '/api/v1/sync/config/validate', {
    key: api.keys.admin,
    body: { entity_type: 'PROVEEDOR', erp_type: 'AXIOMA', direction: 'IN', queries: { select_all: 'SELECT * FROM NoExiste' } },
  });
  t.equal(bad.body.ok, false);
  const c = byId(bad.body.checks, 'dry_run:PROVEEDOR:select_all')!;
  t.equal(c.status, 'fail');
  t.match(c.detail, /208/);
  t.match(c.next_step, /corrija el SQL/);
  const invalid = await api.call('POST', '/api/v1/sync/config/validate', {
    key: api.keys.admin,
    body: { entity_type: 'PROVEEDOR', erp_type: 'AXIOMA', direction: 'SIDEWAYS' },
  });
  t.equal(invalid.status, 400);
  t.match(JSON.stringify(invalid.body), /direction/);
  t.same(await api.snapshot(), before, 'validate writes nothing');
});

async function configId(api: TestApi, entity: string): Promise<string> {
  const r = await api.call('GET', '/api/v1/sync/config', { key: api.keys.admin });
  return r.body.items.find((i: { entity_type: string }) => i.entity_type === entity).id;
}

t.test('history: config and connection changes are kept (who, when, before/after, no secret) and a version can be restored', async (t) => {
  const { api, body } = await setup(t);
  const id = await configId(api, 'PROVEEDOR');
  const v2 = {
    entity_type: 'PROVEEDOR',
    erp_type: 'AXIOMA',
    direction: 'IN',
    queries: { select_all: 'SELECT CodProv FROM Proveedores' },
    sync_frequency: '*/5 * * * *',
  };
  const v3 = { ...v2, queries: { select_all: 'SELECT CodProv, RazonSocial FROM Proveedores' }, sync_frequency: '0 * * * *' };
  t.equal((await api.call('PUT', `/api/v1/sync/config/${id}`, { key: api.keys.admin, body: v2 })).status, 200);
  t.equal((await api.call('PUT', `/api/v1/sync/config/${id}`, { key: api.keys.admin, body: v3 })).status, 200);
  await api.call('PUT', '/api/v1/sync/erp-connection', { key: api.keys.admin, body: body() });

  const list = await api.call('GET', `/api/v1/sync/config/history?kind=entity_config&target_id=${id}`, { key: api.keys.admin });
  t.equal(list.status, 200);
  t.equal(list.body.items.length, 2);
  const [latest, first] = list.body.items;
  t.equal(latest.after.sync_frequency, '0 * * * *');
  t.equal(latest.before.sync_frequency, '*/5 * * * *');
  t.equal(first.before.sync_frequency, null);
  t.equal(latest.changed_by, api.keys.admin.slice(0, latest.changed_by.length), 'who: the key prefix');
  const conn = await api.call('GET', '/api/v1/sync/config/history?kind=erp_connection', { key: api.keys.admin });
  t.equal(conn.body.items.length, 1);
  t.equal(conn.body.items[0].after.password_set, true);
  t.notOk('password' in conn.body.items[0].after, 'the sealed password is not copied into the history');
  t.equal((await api.call('GET', '/api/v1/sync/config/history', { key: api.keys.otherAdmin })).body.items.length, 0, 'tenant-scoped');

  const restore = await api.call('POST', `/api/v1/sync/config/history/${first.id}/restore`, { key: api.keys.admin });
  t.equal(restore.status, 200);
  const row = await api.db.db.selectFrom('sync_entity_config').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(row.sync_frequency, '*/5 * * * *');
  t.same(row.queries, v2.queries);
  const after = await api.call('GET', `/api/v1/sync/config/history?kind=entity_config&target_id=${id}`, { key: api.keys.admin });
  t.equal(after.body.items.length, 3, 'the restore is itself a change');
  t.equal(
    (await api.call('POST', `/api/v1/sync/config/history/${first.id}/restore`, { key: api.keys.otherAdmin })).status,
    404,
    'another tenant cannot restore it',
  );
  t.equal((await api.call('POST', '/api/v1/sync/config/history/abc/restore', { key: api.keys.admin })).status, 400);
});
