/**
 * Issue 18 item 2: a date bound as a string into a `datetime` column is parsed by the session's
 * DATEFORMAT — under a Spanish session '2026-03-01' is 3 January and '2026-11-23' fails (242).
 * The push path binds fields declared `date` as date parameters, so it writes the right day.
 */
import t from 'tap';
import type { QueueRow } from '../../src/db/schema.ts';
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import { createErpPushHandler } from '../../src/sync/push-erp.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { keyring, tenantWithErp } from '../helpers/sync-fixture.ts';

t.test('dates under a Spanish session', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t, { defaultLanguage: 'Español' });
  await tenantWithErp(db.db, erp);
  await erp.pool.execute('CREATE TABLE Pedidos (Id INT IDENTITY(1,1) PRIMARY KEY, Numero NVARCHAR(20), Fecha DATETIME)');
  const fechas = async () =>
    (await erp.db!.pool.query(`select "numero" n, to_char("fecha", 'YYYY-MM-DD') f from "pedidos" order by "id"`)).rows;

  t.test('the simulator reads string dates as SQL Server does under SET LANGUAGE Español / DATEFORMAT dmy', async (t) => {
    await erp.pool.execute('SET LANGUAGE Español; INSERT INTO Pedidos (Numero, Fecha) VALUES (@n, @f)', { n: 'S-1', f: '2026-03-01' });
    await t.rejects(
      erp.pool.execute('SET DATEFORMAT dmy; INSERT INTO Pedidos (Numero, Fecha) VALUES (@n, @f)', { n: 'S-2', f: '2026-11-23' }),
      { message: /out-of-range value/ },
    );
    await erp.pool.execute('INSERT INTO Pedidos (Numero, Fecha) VALUES (@n, @f)', { n: 'S-3', f: '2026-03-01' });
    t.same(
      await fechas(),
      [
        { n: 'S-1', f: '2026-01-03' },
        { n: 'S-3', f: '2026-03-01' },
      ],
      'ydm under dmy; the SET lasted only for its call (sp_executesql), as on SQL Server',
    );
    await erp.db!.pool.query('truncate "pedidos"');
  });

  t.test('the push path binds declared dates as date parameters: right day under a Spanish session', async (t) => {
    const registry = createErpRegistry({ db: db.db, keyring, destinations: { allowPrivate: true } });
    t.teardown(() => registry.closeAll());
    const queries = {
      // The SET stands in for a Spanish login whose driver session keeps its language.
      insert:
        'SET LANGUAGE Español; DECLARE @t TABLE (Id INT); INSERT INTO Pedidos (Numero, Fecha) OUTPUT INSERTED.Id INTO @t VALUES (@numero, @fecha); SELECT Id FROM @t',
    };
    await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: 'PEDIDO',
        erp_type: 'AXIOMA',
        direction: 'OUT',
        queries: JSON.stringify(queries),
        field_mapping: JSON.stringify({ hub_to_erp: { numero: 'numero', fecha: 'fecha' }, types: { fecha: 'date' } }),
      })
      .execute();
    const push = createErpPushHandler({ db: db.db, erp: registry });
    for (const [numero, fecha] of [
      ['P-1', '2026-03-01'],
      ['P-2', '2026-11-23'],
    ]) {
      await push(
        {
          id: '00000000-0000-4000-8000-000000000002',
          tenant_id: 'acme',
          entity_type: 'PEDIDO',
          entity_id: numero,
          action: 'CREATE',
          payload: { numero, fecha },
        } as QueueRow,
        {} as never,
      );
    }
    t.same(await fechas(), [
      { n: 'P-1', f: '2026-03-01' },
      { n: 'P-2', f: '2026-11-23' },
    ]);
  });
});
