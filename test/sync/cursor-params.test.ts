/**
 * Issue 11 §4 and issue 18 item 3: how the cursor parameter is bound. Seed 001's `@ultimaSync`
 * with `OR @ultimaSync IS NULL` works from the first run (a typed NULL); a `datetime` cursor column
 * is compared with a `datetime` parameter, so a tie at the cursor with look-back 0 is not missed
 * (SQL Server 2016+ compares datetime with datetime2 at full precision: .007 is really .00667).
 */
import t from 'tap';
import { queriesSchema } from '../../src/sync/entity-config-schema.ts';
import { runPull } from '../../src/sync/pull.ts';
import { pullStack } from '../helpers/pull-stack.ts';

t.test('cursor parameter binding', async (t) => {
  const { db, erp, deps } = await pullStack(t);
  let run = 0;
  const configure = async (entity: string, queries: object) => {
    const c = await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: entity,
        erp_type: 'AXIOMA',
        primary_key: 'Id',
        direction: 'IN',
        queries: JSON.stringify(queries),
        field_mapping: JSON.stringify({ erp_to_hub: { Id: 'id', Fecha: 'fecha' } }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return () => runPull(deps, { tenantId: 'acme', configId: c.id, runId: `r-${++run}` });
  };
  const has = async (entity: string, id: string) =>
    Boolean(
      await db.db.selectFrom('sync_data').select('id').where('entity_type', '=', entity).where('entity_id', '=', id).executeTakeFirst(),
    );

  t.test("seed 001's @ultimaSync, NULL on the first run, with only select_since", async (t) => {
    t.ok(queriesSchema.safeParse({ select_since: 'SELECT 1 WHERE x > @ultimaSync' }).success, 'accepted by the config check');
    t.notOk(
      queriesSchema.safeParse({ select_since: 'SELECT 1 WHERE x > @desde' }).success,
      'a statement without the cursor parameter is refused',
    );
    await erp.pool.execute('CREATE TABLE Pagos (Id NVARCHAR(10) PRIMARY KEY, Fecha DATETIME2(7))');
    await erp.pool.execute("INSERT INTO Pagos VALUES ('P1', '2026-01-01T10:00:00'), ('P2', '2026-01-02T10:00:00')");
    const pull = await configure('PAGO', {
      select_since: 'SELECT Id, Fecha FROM Pagos WHERE Fecha > @ultimaSync OR @ultimaSync IS NULL',
      cursor: { field: 'Fecha', pk: 'Id', lookback_seconds: 0 },
    });
    t.match(await pull(), { status: 'completed', mode: 'full', read: 2, changed: 2 }, 'first run: @ultimaSync bound as a typed NULL');
    await erp.pool.execute("INSERT INTO Pagos VALUES ('P3', '2026-01-03T10:00:00')");
    t.match(await pull(), { status: 'completed', mode: 'incremental', read: 1, changed: 1 }, 'then incremental from the cursor');
    t.ok(await has('PAGO', 'P3'));
  });

  t.test('a tie at the cursor on a datetime column with look-back 0', async (t) => {
    await erp.pool.execute('CREATE TABLE Movs (Id NVARCHAR(10) PRIMARY KEY, Fecha DATETIME)');
    // Written as an application would: through a datetime parameter (stored at its 1/300 s tick).
    const insert = (id: string) =>
      erp.pool.execute('INSERT INTO Movs (Id, Fecha) VALUES (@id, @fecha)', {
        id,
        fecha: { type: 'datetime', value: '2026-03-01T10:00:00.007' },
      });
    await insert('M1');
    const queries = {
      select_all: 'SELECT Id, Fecha FROM Movs',
      select_since: 'SELECT Id, Fecha FROM Movs WHERE Fecha >= @lastSync',
    };
    // Today's binding (datetime2) beside the fix (type learnt from the first run's metadata).
    const asDatetime2 = await configure('MOV_DT2', {
      ...queries,
      cursor: { field: 'Fecha', pk: 'Id', lookback_seconds: 0, sql_type: 'datetime2' },
    });
    const learnt = await configure('MOV', { ...queries, cursor: { field: 'Fecha', pk: 'Id', lookback_seconds: 0 } });
    t.match(await asDatetime2(), { status: 'completed', read: 1 });
    t.match(await learnt(), { status: 'completed', read: 1 });
    t.match(
      await db.db
        .selectFrom('sync_state')
        .select(['last_timestamp', 'cursor_sql_type'])
        .where('entity_type', '=', 'MOV')
        .executeTakeFirstOrThrow(),
      { last_timestamp: '2026-03-01T10:00:00.007', cursor_sql_type: 'datetime' },
      'the column type is kept in sync_state',
    );
    await insert('M2'); // committed later with the same timestamp
    t.match(
      await asDatetime2(),
      { status: 'completed', mode: 'incremental', read: 0 },
      'datetime2 parameter: .0070000 > .0066667, the tie is missed',
    );
    t.notOk(await has('MOV_DT2', 'M2'));
    t.match(await learnt(), { status: 'completed', mode: 'incremental', read: 2, changed: 1 }, 'datetime parameter: the tie is found');
    t.ok(await has('MOV', 'M2'));
  });
});
