import t from 'tap';
import { createTestDatabase } from '../helpers/db.ts';
import { finished, freePort, startBin, TEST_SECRET_KEY, waitForOutput } from '../helpers/processes.ts';

type Health = {
  success: boolean;
  status: string;
  database?: string;
  worker: { status: string; last_heartbeat: string | null } | null;
  error?: { code: string; message: string };
};

async function health(port: number): Promise<{ status: number; body: Health }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/sync/health`);
  return { status: res.status, body: (await res.json()) as Health };
}

t.test(
  'readiness follows the real worker process: 503 before it starts, 200 while it beats, 503 after SIGTERM and after SIGKILL',
  async (t) => {
    const { url, pool } = await createTestDatabase(t);
    const env = { DATABASE_URL: url, SYNC_SECRET_KEY: TEST_SECRET_KEY, WORKER_HEARTBEAT_SECONDS: '1', WORKER_STALE_SECONDS: '3' };
    const port = await freePort();
    const server = startBin('server', [], { env: { ...env, PORT: String(port) } });
    t.teardown(() => server.kill('SIGKILL'));
    await waitForOutput(server, /Server listening/);

    const none = await health(port);
    t.equal(none.status, 503, 'no worker yet');
    t.equal(none.body.database, 'ok');
    t.equal(none.body.error?.code, 'WORKER_GONE');
    t.match(none.body.error?.message, /start the worker/);
    const live = await fetch(`http://127.0.0.1:${port}/api/v1/sync/health/live`);
    t.equal(live.status, 200, 'liveness does not depend on the worker');
    t.equal(
      (await fetch(`http://127.0.0.1:${port}/api/sync/health`)).status,
      200,
      "the agent's health path keeps answering for the server and database",
    );

    const worker = startBin('worker', [], { env });
    t.teardown(() => worker.kill('SIGKILL'));
    await waitForOutput(worker, /worker ready/, 60_000);
    const up = await health(port);
    t.equal(up.status, 200);
    t.equal(up.body.worker?.status, 'ok');
    t.ok(up.body.worker?.last_heartbeat, 'reports the last heartbeat');
    const rows = await pool.query('select pid from sync_worker_heartbeat');
    t.same(
      rows.rows.map((r) => r.pid),
      [worker.pid],
      'the worker wrote its own row',
    );

    // A clean stop removes the row: gone at once.
    worker.kill('SIGTERM');
    await finished(worker, 15_000);
    t.equal((await pool.query('select 1 from sync_worker_heartbeat')).rowCount, 0);
    t.equal((await health(port)).status, 503, 'after SIGTERM');

    // A killed worker leaves its row behind; it goes stale after WORKER_STALE_SECONDS.
    const worker2 = startBin('worker', [], { env });
    t.teardown(() => worker2.kill('SIGKILL'));
    await waitForOutput(worker2, /worker ready/, 60_000);
    t.equal((await health(port)).status, 200);
    worker2.kill('SIGKILL');
    await finished(worker2, 15_000);
    let last = await health(port);
    for (const deadline = Date.now() + 30_000; last.status === 200 && Date.now() < deadline; last = await health(port))
      await new Promise((r) => setTimeout(r, 250));
    t.equal(last.status, 503, 'after SIGKILL, once the heartbeat is stale');
    t.equal(last.body.worker?.status, 'gone');
    t.ok(last.body.worker?.last_heartbeat, 'the last heartbeat of the dead worker is shown');
    t.match(last.body.error?.message, /no worker heartbeat for \d+ s \(limit 3 s\)/);
  },
);
