/**
 * Issue 11 §4: a scheduled pull that fails is retried with backoff before its next cron time.
 * The real worker engine runs a pull job carrying the schedule's retry options; the first attempt
 * loses its ERP connection midway, the retry completes.
 */
import t from 'tap';
import { sql } from 'kysely';
import { PULL_QUEUE, SCHEDULED_PULL_RETRY } from '../../src/queue/jobs.ts';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { eventually, silentLogger, startTestBoss } from '../helpers/boss.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { keyring, tenantWithErp } from '../helpers/sync-fixture.ts';

t.test('a failed scheduled pull is retried', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  await tenantWithErp(db.db, erp);
  const boss = await startTestBoss(t, db.url);
  const engine = createSyncEngine({
    db: db.db,
    boss,
    queue: createSyncQueue({ boss }),
    keyring,
    logger: silentLogger,
    destinations: { allowPrivate: true },
  });
  await engine.start();
  t.teardown(() => engine.stop());
  await erp.pool.execute('CREATE TABLE Bancos (Codigo NVARCHAR(10) PRIMARY KEY, Nombre NVARCHAR(50))');
  await erp.pool.execute("INSERT INTO Bancos VALUES ('B1', 'Nación'), ('B2', 'Galicia'), ('B3', 'Macro')");
  const config = await db.db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      entity_type: 'BANCO',
      erp_type: 'AXIOMA',
      primary_key: 'Codigo',
      direction: 'IN',
      queries: JSON.stringify({ select_all: 'SELECT Codigo, Nombre FROM Bancos' }),
      field_mapping: JSON.stringify({ erp_to_hub: { Codigo: 'id', Nombre: 'nombre' } }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  erp.sim!.faults.dropAfterRows(1);
  // The options a schedule gives its jobs (SCHEDULED_PULL_RETRY), with a short first delay for the test.
  const jobId = await boss.send(PULL_QUEUE, { tenantId: 'acme', configId: config.id }, { ...SCHEDULED_PULL_RETRY, retryDelay: 1 });
  const statuses = () =>
    db.db
      .selectFrom('sync_log')
      .select('status')
      .where('entity_type', '=', 'BANCO')
      .where('phase', '=', 'process')
      .orderBy('id')
      .execute()
      .then((r) => r.map((x) => x.status));
  await eventually(async () => (await statuses()).includes('SUCCESS'), 60_000, 'the retried pull');
  t.same(await statuses(), ['FAILED', 'SUCCESS'], 'the failed run was retried, and the retry completed');
  const job = await sql<{
    state: string;
    retry_count: number;
  }>`select state::text, retry_count from pgboss.job where id = ${jobId}::uuid`.execute(db.db);
  t.match(job.rows[0], { retry_count: 1 });
  t.equal(Number((await sql<{ n: string }>`select count(*) n from sync_data where entity_type = 'BANCO'`.execute(db.db)).rows[0]!.n), 3);
});
