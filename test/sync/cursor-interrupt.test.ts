/**
 * Issue 11 §2: a pull cut short (the simulator drops the TDS connection after N rows) never moves
 * the cursor past rows it did not deliver. First, full and incremental reads are interrupted at
 * several points; after the next run every row has reached the Hub queue exactly once, and the
 * interrupted run is FAILED with last_error set.
 */
import t from 'tap';
import { sql } from 'kysely';
import { runPull } from '../../src/sync/pull.ts';
import { pullStack } from '../helpers/pull-stack.ts';

const ROWS = 100;

t.test('interrupted pulls: every row reaches the Hub queue exactly once', async (t) => {
  const { db, erp, deps } = await pullStack(t, { batchSize: 20 });
  let run = 0;

  /** A table whose heap order is NEWEST first, read by unordered queries: the worst case for a per-batch cursor. */
  async function entity(name: string) {
    await erp.pool.execute(`CREATE TABLE ${name} (Cod NVARCHAR(10) PRIMARY KEY, Nombre NVARCHAR(50), Modif DATETIME2(7))`);
    await erp.db!.pool.query(
      `insert into "${name.toLowerCase()}" select 'R' || lpad(g::text, 3, '0'), 'v1', timestamp '2026-03-01 00:00:00' - g * interval '1 minute' from generate_series(1, ${ROWS}) g`,
    );
    const config = await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: name.toUpperCase(),
        erp_type: 'AXIOMA',
        primary_key: 'Cod',
        direction: 'IN',
        queries: JSON.stringify({
          select_all: `SELECT Cod, Nombre, Modif FROM ${name}`,
          select_since: `SELECT Cod, Nombre, Modif FROM ${name} WHERE Modif >= @lastSync`,
          cursor: { field: 'Modif', pk: 'Cod', lookback_seconds: 0 },
        }),
        field_mapping: JSON.stringify({ erp_to_hub: { Cod: 'id', Nombre: 'nombre', Modif: 'modificado' } }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const pull = (mode?: 'full') => runPull(deps, { tenantId: 'acme', configId: config.id, runId: `run-${++run}`, mode });
    /** Hub queue items per entity id carrying a given version of the row (a pending CREATE may be superseded by a newer one). */
    const items = async (nombre: string) =>
      (
        await sql<{ entity_id: string; n: string }>`
      select entity_id, count(*) as n from sync_queue where entity_type = ${name.toUpperCase()} and destination = 'HUB' and payload->>'nombre' = ${nombre}
       group by entity_id order by entity_id`.execute(db.db)
      ).rows.map((r) => [r.entity_id, Number(r.n)]);
    const state = () => db.db.selectFrom('sync_state').selectAll().where('entity_type', '=', name.toUpperCase()).executeTakeFirst();
    const lastLog = () =>
      db.db
        .selectFrom('sync_log')
        .select(['status', 'error_detail'])
        .where('entity_type', '=', name.toUpperCase())
        .where('phase', '=', 'process')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
    return { pull, items, state, lastLog };
  }
  const each = (ids: number[], n: number) => ids.map((i) => [`R${String(i).padStart(3, '0')}`, n]);
  const all = Array.from({ length: ROWS }, (_, i) => i + 1);

  for (const dropAt of [1, 30, 60, 99]) {
    t.test(`first pull dropped after ${dropAt} rows`, async (t) => {
      const e = await entity(`Primera${dropAt}`);
      erp.sim!.faults.dropAfterRows(dropAt);
      const broken = await e.pull();
      t.match(broken, { status: 'failed', mode: 'full' });
      t.match(await e.lastLog(), { status: 'FAILED', error_detail: /./ }, 'the interrupted run is FAILED, never SUCCESS');
      t.match(await e.state(), { last_timestamp: null, last_error: /./ }, 'no cursor committed, last_error set');
      t.match(await e.pull(), { status: 'completed', mode: 'full', read: ROWS });
      t.same(await e.items('v1'), each(all, 1), 'every row exactly once');
      t.match(await e.state(), { last_timestamp: '2026-02-28T23:59:00.0000000', last_error: null, snapshot_started_at: null });
    });
  }

  t.test('a full (reconciliation) read dropped midway is read whole by the next run', async (t) => {
    const e = await entity('Completa');
    t.match(await e.pull(), { status: 'completed', read: ROWS });
    // Changes in heap order newest-first again; the oldest ten rows change too.
    await erp.db!.pool.query(
      `update "completa" set "nombre" = 'v2', "modif" = timestamp '2026-04-01 00:00:00' + substr("cod", 2)::int * interval '1 second' where substr("cod", 2)::int % 10 = 0`,
    );
    erp.sim!.faults.dropAfterRows(50);
    t.match(await e.pull('full'), { status: 'failed', mode: 'full' });
    t.ok((await e.state())!.snapshot_started_at, 'the snapshot is recorded as in progress');
    t.equal((await e.state())!.last_timestamp, '2026-02-28T23:59:00.0000000', 'the cursor did not move');
    t.match(await e.pull(), { status: 'completed', mode: 'full' }, 'the unfinished snapshot is restarted, not continued incrementally');
    t.same(
      await e.items('v2'),
      each(
        all.filter((i) => i % 10 === 0),
        1,
      ),
      'each changed row exactly once',
    );
    t.same(await e.items('v1'), each(all, 1));
  });

  for (const dropAt of [1, 7, 15]) {
    t.test(`an incremental read dropped after ${dropAt} rows`, async (t) => {
      const e = await entity(`Incremental${dropAt}`);
      t.match(await e.pull(), { status: 'completed', mode: 'full' });
      const changed = all.filter((i) => i % 5 === 0);
      // Later rows get EARLIER new timestamps: the read returns them unordered by the cursor.
      await erp.db!.pool.query(
        `update "incremental${dropAt}" set "nombre" = 'v2', "modif" = timestamp '2026-05-01 00:00:00' - substr("cod", 2)::int * interval '1 second' where substr("cod", 2)::int % 5 = 0`,
      );
      erp.sim!.faults.dropAfterRows(dropAt);
      t.match(await e.pull(), { status: 'failed', mode: 'incremental' });
      t.match(
        await e.state(),
        { last_timestamp: '2026-02-28T23:59:00.0000000', last_error: /./ },
        'cursor kept where the last complete read left it',
      );
      t.match(await e.pull(), { status: 'completed', mode: 'incremental' });
      t.same(await e.items('v2'), each(changed, 1), 'every changed row exactly once');
      t.equal((await e.state())!.last_timestamp, '2026-04-30T23:59:55.0000000');
    });
  }
});
