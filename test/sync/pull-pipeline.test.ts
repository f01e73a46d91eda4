/**
 * Issue 17: a pull writes several batches at once (pull.ts), yet they take effect in read order. A key
 * read again in a later batch ends with its last version, and a record refused in one batch and
 * converted in a later one (or the other way round) ends as the later batch left it.
 */
import t from 'tap';
import { sql } from 'kysely';
import { runPull } from '../../src/sync/pull.ts';
import { pullStack } from '../helpers/pull-stack.ts';

t.test('batches written several at a time apply in read order', async (t) => {
  const { db, erp, deps } = await pullStack(t, { batchSize: 2 });
  const config = await db.db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      entity_type: 'MOV',
      erp_type: 'AXIOMA',
      primary_key: 'Codigo',
      direction: 'IN',
      queries: JSON.stringify({ select_all: 'SELECT Codigo, Descripcion, Activo FROM Movs ORDER BY Seq' }),
      field_mapping: JSON.stringify({ erp_to_hub: { Codigo: 'codigo', Descripcion: 'nombre', Activo: 'activo' } }),
      transform_rules: JSON.stringify([{ rule: 'boolean', field: 'activo' }]),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // A view without a key, as ERP views are: A three times, D refused then converted, B converted then refused.
  await erp.pool.execute('CREATE TABLE Movs (Seq INT PRIMARY KEY, Codigo NVARCHAR(10), Descripcion NVARCHAR(50), Activo CHAR(1))');
  await erp.pool.execute(
    "INSERT INTO Movs VALUES (1, 'A', 'uno', 'S'), (2, 'B', 'be', 'S'), (3, 'A', 'dos', 'N'), (4, 'D', 'de', 'X'), " +
      "(5, 'A', 'tres', 'S'), (6, 'D', 'de', 'S'), (7, 'B', 'be', 'X'), (8, 'E', 'e', 'S')",
  );

  const result = await runPull(deps, { tenantId: 'acme', configId: config.id, runId: 'r-1' });
  t.match(result, { status: 'completed', read: 8, errors: 2, changed: 6, deleted: 0 });
  const a = await db.db.selectFrom('sync_data').select(['payload', 'version']).where('entity_id', '=', 'A').executeTakeFirstOrThrow();
  t.same(a, { payload: { codigo: 'A', nombre: 'tres', activo: true }, version: 3 }, 'the last read of A, written on top of the other two');
  const items = await sql<{ status: string; action: string; nombre: string; data_version: number }>`
    select status, action, payload->>'nombre' as nombre, data_version from sync_queue where entity_id = 'A' order by data_version`.execute(
    db.db,
  );
  t.same(
    items.rows,
    [
      { status: 'SUPERSEDED', action: 'CREATE', nombre: 'uno', data_version: 1 },
      { status: 'SUPERSEDED', action: 'CREATE', nombre: 'dos', data_version: 2 },
      { status: 'PENDING', action: 'CREATE', nombre: 'tres', data_version: 3 },
    ],
    'one live item for the Hub, the last version, still a CREATE',
  );
  const refused = await db.db.selectFrom('sync_record_error').select('entity_id').where('entity_type', '=', 'MOV').execute();
  t.same(
    refused.map((r) => r.entity_id),
    ['B'],
    'B was refused after it converted; D converted after it was refused',
  );
  t.equal((await db.db.selectFrom('sync_data').select('status').where('entity_id', '=', 'D').executeTakeFirstOrThrow()).status, 'ACTIVE');
});
