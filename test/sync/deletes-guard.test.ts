/**
 * Issue 11 §3: no false deletes. A record a rule refuses is an error, never a DELETE, and stays
 * listed until it converts; a snapshot that would delete more than the guard's share deletes
 * nothing until an operator confirms; entities with a cursor find deletes through a full read.
 */
import t from 'tap';
import { sql } from 'kysely';
import { reconcilePullSchedules, PULL_QUEUE, SCHEDULED_PULL_RETRY } from '../../src/queue/jobs.ts';
import { runPull } from '../../src/sync/pull.ts';
import { startTestApi } from '../helpers/api.ts';
import { pullStack } from '../helpers/pull-stack.ts';

t.test('deletes', async (t) => {
  const { db, erp, boss, deps } = await pullStack(t, { batchSize: 2 });
  let run = 0;
  const configure = async (entity: string, queries: object, rules: object[] = []) => {
    const c = await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: entity,
        erp_type: 'AXIOMA',
        primary_key: 'Codigo',
        direction: 'IN',
        queries: JSON.stringify(queries),
        field_mapping: JSON.stringify({ erp_to_hub: { Codigo: 'codigo', Descripcion: 'nombre', Activo: 'activo', Modif: 'modificado' } }),
        transform_rules: JSON.stringify(rules),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (o: { mode?: 'full'; confirmDeletes?: boolean } = {}) =>
      runPull(deps, { tenantId: 'acme', configId: c.id, runId: `r-${++run}`, ...o });
  };
  const status = (entity: string, id: string) =>
    db.db
      .selectFrom('sync_data')
      .select('status')
      .where('entity_type', '=', entity)
      .where('entity_id', '=', id)
      .executeTakeFirstOrThrow()
      .then((r) => r.status);
  const deletesQueued = async (entity: string) =>
    Number(
      (await sql<{ n: string }>`select count(*) n from sync_queue where entity_type = ${entity} and action = 'DELETE'`.execute(db.db))
        .rows[0]!.n,
    );
  const refused = (entity: string) =>
    db.db.selectFrom('sync_record_error').select(['entity_id', 'message']).where('entity_type', '=', entity).orderBy('entity_id').execute();

  t.test("Softland SECTOR: a cost centre with a letter other than 'S'/'N' is an error, not a DELETE", async (t) => {
    await erp.pool.execute('CREATE TABLE Sectores (Codigo NVARCHAR(10) PRIMARY KEY, Descripcion NVARCHAR(50), Activo CHAR(1))');
    await erp.pool.execute(
      "INSERT INTO Sectores VALUES ('S1', 'Compras', 'S'), ('S2', 'Obras', 'N'), ('S3', 'Taller', 'S'), ('S4', 'Depósito', 'S')",
    );
    const pull = await configure('SECTOR', { select_all: 'SELECT Codigo, Descripcion, Activo FROM Sectores' }, [
      { rule: 'boolean', field: 'activo' },
    ]);
    t.match(await pull(), { status: 'completed', changed: 4, errors: 0 });
    await erp.pool.execute("UPDATE Sectores SET Activo = 'B' WHERE Codigo = 'S3'");
    t.match(await pull(), { status: 'completed', read: 4, errors: 1, deleted: 0 }, 'the refused record was read: it is seen');
    t.equal(await status('SECTOR', 'S3'), 'ACTIVE');
    t.equal(await deletesQueued('SECTOR'), 0, 'no DELETE for a cost centre that still exists');
    t.match(await refused('SECTOR'), [{ entity_id: 'S3', message: /activo.*"B" is not a boolean/ }], 'kept as an error');
    t.match(await pull(), { errors: 1, deleted: 0 });
    t.equal((await refused('SECTOR')).length, 1, 'still listed on the next run (not forgotten)');
    await erp.pool.execute("UPDATE Sectores SET Activo = 'N' WHERE Codigo = 'S3'");
    t.match(await pull(), { status: 'completed', errors: 0, changed: 1 });
    t.same(await refused('SECTOR'), [], 'cleared once the record converts again');
    await erp.pool.execute("UPDATE Sectores SET Activo = '?' WHERE Codigo = 'S4'");
    t.match(await pull(), { errors: 1, deleted: 0 });
    await erp.pool.execute("DELETE FROM Sectores WHERE Codigo = 'S4'");
    t.match(await pull(), { errors: 0, deleted: 1 }, 'a refused record really deleted in the ERP is deleted');
    t.same(await refused('SECTOR'), [], 'and no longer listed');
  });

  t.test('mass-delete guard: more than half of the live records gone deletes nothing until confirmed', async (t) => {
    await erp.pool.execute('CREATE TABLE Rubros (Codigo NVARCHAR(10) PRIMARY KEY, Descripcion NVARCHAR(50))');
    await erp.pool.execute("INSERT INTO Rubros VALUES ('R1', 'a'), ('R2', 'b'), ('R3', 'c'), ('R4', 'd')");
    const pull = await configure('RUBRO', { select_all: 'SELECT Codigo, Descripcion FROM Rubros' });
    t.match(await pull(), { status: 'completed', changed: 4 });
    await erp.pool.execute("DELETE FROM Rubros WHERE Codigo <> 'R1'");
    const refusedRun = await pull();
    t.match(refusedRun, { status: 'failed', deleted: 0 });
    t.match(
      refusedRun.error,
      /would delete 3 of 4 live RUBRO records.*nothing was deleted.*POST \/api\/v1\/sync\/run\?entity=RUBRO&mode=full&confirm_deletes=true/,
    );
    t.same(await Promise.all(['R2', 'R3', 'R4'].map((id) => status('RUBRO', id))), ['ACTIVE', 'ACTIVE', 'ACTIVE']);
    t.equal(await deletesQueued('RUBRO'), 0);
    t.match(
      await db.db
        .selectFrom('sync_log')
        .select(['status', 'error_detail'])
        .where('entity_type', '=', 'RUBRO')
        .where('phase', '=', 'process')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow(),
      { status: 'FAILED', error_detail: /mass-delete guard/ },
    );
    t.match(await db.db.selectFrom('sync_state').select('last_error').where('entity_type', '=', 'RUBRO').executeTakeFirstOrThrow(), {
      last_error: /mass-delete guard/,
    });
    t.match(await pull({ mode: 'full', confirmDeletes: true }), { status: 'completed', deleted: 3 });
    t.equal(await deletesQueued('RUBRO'), 3);
    // A smaller share is below the guard: 1 of 2 live = 50 %, not more than it.
    await erp.pool.execute("INSERT INTO Rubros VALUES ('R5', 'e')");
    t.match(await pull(), { changed: 1 });
    await erp.pool.execute("DELETE FROM Rubros WHERE Codigo = 'R5'");
    t.match(await pull(), { status: 'completed', deleted: 1 });
  });

  t.test('an entity with a cursor: deletes are found by a full read (reconciliation)', async (t) => {
    await erp.pool.execute('CREATE TABLE Depositos (Codigo NVARCHAR(10) PRIMARY KEY, Descripcion NVARCHAR(50), Modif DATETIME2(7))');
    await erp.pool.execute(
      "INSERT INTO Depositos VALUES ('D1', 'a', '2026-01-01T10:00:00'), ('D2', 'b', '2026-01-01T11:00:00'), ('D3', 'c', '2026-01-01T12:00:00')",
    );
    const pull = await configure('DEPOSITO', {
      select_all: 'SELECT Codigo, Descripcion, Modif FROM Depositos',
      select_since: 'SELECT Codigo, Descripcion, Modif FROM Depositos WHERE Modif >= @lastSync',
      cursor: { field: 'Modif', pk: 'Codigo', lookback_seconds: 0 },
    });
    t.match(await pull(), { status: 'completed', mode: 'full', changed: 3 });
    await erp.pool.execute("DELETE FROM Depositos WHERE Codigo = 'D2'");
    t.match(await pull(), { status: 'completed', mode: 'incremental', deleted: 0 }, 'an incremental read cannot see a delete');
    t.match(await pull({ mode: 'full' }), { status: 'completed', mode: 'full', deleted: 1 });
    t.equal(await status('DEPOSITO', 'D2'), 'DELETED');
    t.match(await db.db.selectFrom('sync_state').select('last_timestamp').where('entity_type', '=', 'DEPOSITO').executeTakeFirstOrThrow(), {
      last_timestamp: '2026-01-01T12:00:00.0000000',
    });

    // The worker schedules that full read on its own cron, beside the pull, and scheduled runs retry with backoff.
    await reconcilePullSchedules(boss, [
      { configId: 'c1', tenantId: 'acme', cron: '*/5 * * * *', timeZone: 'UTC' },
      { configId: 'c1', tenantId: 'acme', cron: '30 2 * * *', timeZone: 'UTC', key: 'c1/reconcile', mode: 'full' },
    ]);
    const schedules = (await boss.getSchedules(PULL_QUEUE)).map((s) => ({
      key: s.key,
      cron: s.cron,
      data: s.data,
      retryLimit: (s.options as { retryLimit?: number }).retryLimit,
    }));
    t.same(
      schedules.sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'c1', cron: '*/5 * * * *', data: { tenantId: 'acme', configId: 'c1' }, retryLimit: SCHEDULED_PULL_RETRY.retryLimit },
        {
          key: 'c1/reconcile',
          cron: '30 2 * * *',
          data: { tenantId: 'acme', configId: 'c1', mode: 'full' },
          retryLimit: SCHEDULED_PULL_RETRY.retryLimit,
        },
      ],
    );
  });
});

t.test('POST /sync/run?mode=full&confirm_deletes=true queues a confirmed full read; bad values are a 400', async (t) => {
  const api = await startTestApi(t);
  const ok = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR&mode=full&confirm_deletes=true', { key: api.keys.admin });
  t.equal(ok.status, 202);
  const job = await sql<{ data: unknown }>`select data from pgboss.job where id = ${ok.body.run_id}::uuid`.execute(api.db.db);
  t.match(job.rows[0]!.data, { tenantId: 'acme', mode: 'full', confirmDeletes: true });
  const bad = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR&mode=everything', { key: api.keys.admin });
  t.equal(bad.status, 400);
  t.match(JSON.stringify(bad.body), /mode/);
  const status = await api.call('GET', '/api/v1/sync/status', { key: api.keys.admin });
  t.match(
    status.body.entities.find((e: { entity_type: string }) => e.entity_type === 'PROVEEDOR'),
    { refused_records: [] },
  );
});
