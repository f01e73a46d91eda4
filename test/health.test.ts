import t from 'tap';
import { createTestDatabase } from './helpers/db.ts';
import { finished, freePort, startBin, TEST_SECRET_KEY, waitForOutput } from './helpers/processes.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

t.test('health over a real socket: 200 ok, then 503 degraded when the database goes away', async (t) => {
  const { url, pool } = await createTestDatabase(t);
  // A worker's heartbeat (test/console/health-worker.test.ts runs the real worker process).
  await pool.query(`insert into sync_worker_heartbeat (worker_id, hostname, pid, started_at) values ('w1', 'test', 1, now())`);
  const target = new URL(url);
  const proxy = await startTcpProxy(Number(target.port));
  t.teardown(() => proxy.close());
  const viaProxy = new URL(url);
  viaProxy.port = String(proxy.port);

  const port = await freePort();
  const server = startBin('server', [], {
    env: { DATABASE_URL: viaProxy.toString(), SYNC_SECRET_KEY: TEST_SECRET_KEY, PORT: String(port) },
  });
  t.teardown(() => server.kill('SIGKILL'));
  await waitForOutput(server, /Server listening/, 120_000);

  for (const path of ['/api/v1/sync/health', '/api/sync/health']) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    t.equal(res.status, 200, path);
    t.match(await res.json(), { success: true, status: 'ok' });
  }

  proxy.cut();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/sync/health`).catch((err: unknown) => {
    throw new Error(
      `server did not answer after the database went away: ${String(err)}; server stderr: ${server.output.stderr.slice(-3000)} stdout: ${server.output.stdout.slice(-3000)}`,
    );
  });
  t.equal(res.status, 503);
  const body = (await res.json()) as { status: string; success: boolean };
  t.equal(body.status, 'degraded');
  t.equal(body.success, false);

  server.kill('SIGTERM');
  const r = await finished(server, 10_000);
  t.equal(r.code, 0, 'server exits 0 on SIGTERM');
});

t.test('the server binds 127.0.0.1 by default and answers unknown routes with the JSON error shape', async (t) => {
  const { url } = await createTestDatabase(t);
  const port = await freePort();
  const server = startBin('server', [], { env: { DATABASE_URL: url, SYNC_SECRET_KEY: TEST_SECRET_KEY, PORT: String(port) } });
  t.teardown(() => server.kill('SIGKILL'));
  await waitForOutput(server, /Server listening at http:\/\/127\.0\.0\.1:/, 120_000);
  const res = await fetch(`http://127.0.0.1:${port}/nope`);
  t.equal(res.status, 404);
  t.same(await res.json(), { success: false, error: { code: 'NOT_FOUND', message: 'no route GET /nope', details: null } });
});
