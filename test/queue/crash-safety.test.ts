import t from 'tap';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { createTenant } from '../../src/db/tenants.ts';
import { createSyncQueue, type EnqueueInput } from '../../src/queue/sync-queue.ts';
import { createTestDatabase, ownerQuery, type TestDatabase } from '../helpers/db.ts';
import { consistencyProblems, eventually, startTestBoss } from '../helpers/boss.ts';
import { finished, TEST_SECRET_KEY, waitForOutput } from '../helpers/processes.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/recording-worker.ts');

function startRecordingWorker(url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: url,
      SYNC_SECRET_KEY: TEST_SECRET_KEY,
      LOG_LEVEL: 'info',
      WORKER_BATCH_SIZE: '25',
      WORKER_CONCURRENCY: '3',
      QUEUE_SUPERVISE_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ReturnType<typeof spawn> & { output: { stdout: string; stderr: string } };
  child.output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (child.output.stdout += c));
  child.stderr!.on('data', (c: Buffer) => (child.output.stderr += c));
  return child;
}

async function setup(t: { teardown(fn: () => unknown): void }, items: number): Promise<TestDatabase> {
  const db = await createTestDatabase(t);
  await createTenant(db.db, { id: 'acme', name: 'Acme' });
  await ownerQuery(
    db,
    `create table invocations (queue_id uuid not null, pid int not null, at timestamptz default clock_timestamp());
    create table processed (queue_id uuid not null, pid int not null);
    grant select, insert on invocations, processed to parse_sync_app`,
  );
  // Short expiry: jobs held by a killed worker come back within seconds.
  const queue = createSyncQueue({ boss: await startTestBoss(t, db.url), timing: { expireInSeconds: 3, crashRetryLimit: 20 } });
  for (let start = 0; start < items; start += 1000) {
    const batch: EnqueueInput[] = [];
    for (let n = start; n < Math.min(items, start + 1000); n++) {
      batch.push({
        tenantId: 'acme',
        source: 'HUB',
        destination: 'ERP',
        entityType: 'CRASHTEST',
        entityId: `E-${n}`,
        action: 'CREATE',
        payload: { n },
        maxRetries: 3,
      });
    }
    await queue.enqueueMany(db.db, batch);
  }
  return db;
}

const counts = async (db: TestDatabase) =>
  (
    await sql<{ completed: string; processed: string; duplicates: string; success_logs: string }>`
    select (select count(*) from sync_queue where status = 'COMPLETED') completed,
           (select count(*) from processed) processed,
           (select count(*) from (select queue_id from processed group by 1 having count(*) > 1) d) duplicates,
           (select count(*) from sync_log where status = 'SUCCESS') success_logs`.execute(db.db)
  ).rows[0]!;

t.test('crash safety: 5 000 items, the worker SIGKILLed 3 times at random moments', async (t) => {
  const db = await setup(t, 5000);
  let kills = 0;
  for (; kills < 3; kills++) {
    const w = startRecordingWorker(db.url);
    await waitForOutput(w, /worker ready/, 60_000);
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
    w.kill('SIGKILL');
    await finished(w, 10_000);
  }
  const mid = await counts(db);
  t.ok(Number(mid.completed) < 5000, `the kills interrupted the work (${mid.completed} done before the last start)`);

  const last = startRecordingWorker(db.url);
  t.teardown(() => last.kill('SIGKILL'));
  await waitForOutput(last, /worker ready/, 60_000);

  await eventually(async () => Number((await counts(db)).completed) === 5000, 120_000, 'all 5 000 items COMPLETED');
  await eventually(async () => (await consistencyProblems(db.db)).length === 0, 60_000, 'queue_consistency.sql to return 0 rows');

  const end = await counts(db);
  t.same(end, { completed: '5000', processed: '5000', duplicates: '0', success_logs: '5000' }, 'each item recorded exactly once');
  const other = await sql<{ n: string }>`select count(*) n from sync_queue where status <> 'COMPLETED'`.execute(db.db);
  t.equal(other.rows[0]!.n, '0', 'nothing DEAD, nothing stuck');
  last.kill('SIGTERM');
  t.equal((await finished(last, 12_000)).code, 0);
});

t.test('two worker processes at once never run the same item', async (t) => {
  const db = await setup(t, 2000);
  const workers = [startRecordingWorker(db.url), startRecordingWorker(db.url)];
  t.teardown(() => workers.forEach((w) => w.kill('SIGKILL')));
  await Promise.all(workers.map((w) => waitForOutput(w, /worker ready/, 60_000)));
  await eventually(async () => Number((await counts(db)).completed) === 2000, 120_000, 'all 2 000 items COMPLETED');
  const overlap = await sql<{
    n: string;
  }>`select count(*) n from (select queue_id from invocations group by 1 having count(distinct pid) > 1 or count(*) > 1) x`.execute(db.db);
  t.equal(overlap.rows[0]!.n, '0', 'each item ran once, in one process');
  const pids = await sql<{ n: string }>`select count(distinct pid) n from invocations`.execute(db.db);
  t.equal(pids.rows[0]!.n, '2', 'both workers took part');
  t.same(await consistencyProblems(db.db), []);
});
