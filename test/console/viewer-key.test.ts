/** `admin key create <tenant> --scope viewer` makes a key that opens the console read-only. */
import t from 'tap';
import { startTestApi } from '../helpers/api.ts';
import { runBin, TEST_SECRET_KEY } from '../helpers/processes.ts';

t.test('the admin CLI creates viewer keys; one logs in to the console and reads, never writes', async (t) => {
  const api = await startTestApi(t);
  const r = await runBin('admin', ['key', 'create', 'acme', '--scope', 'viewer'], {
    env: { DATABASE_URL: api.db.url, SYNC_SECRET_KEY: TEST_SECRET_KEY },
  });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /viewer/);
  const raw = r.stdout.trim().split('\n').at(-1)!;
  const login = await api.call('POST', '/console/api/login', { body: { key: raw }, headers: { origin: api.base } });
  t.equal(login.status, 200);
  t.same(login.body.scopes, ['viewer']);
  t.equal((await api.call('GET', '/api/v1/sync/overview', { key: raw })).status, 200);
  t.equal(
    (await api.call('POST', '/api/v1/sync/queue/retry', { key: raw, body: { ids: ['7f9c2d1e-4b3a-4c5d-8e6f-0a1b2c3d4e5f'] } })).status,
    403,
  );
  const bad = await runBin('admin', ['key', 'create', 'acme', '--scope', 'reader'], {
    env: { DATABASE_URL: api.db.url, SYNC_SECRET_KEY: TEST_SECRET_KEY },
  });
  t.not(bad.code, 0, 'an unknown scope is refused');
  t.match(bad.stderr + bad.stdout, /scope|alcance/);
});
