import t from 'tap';
import type { EntityConfigRow } from '../../src/db/schema.ts';
import {
  configPhase,
  downloadMergeSql,
  flows,
  isDownloadTable,
  missingStatements,
  parseEntityConfig,
  phaseSide,
  PhaseRefusedError,
  primaryKeyColumn,
  readableConfigs,
  StoredConfigError,
  updateInsertTarget,
} from '../../src/sync/entity-config.ts';
import { prepareRecord } from '../../src/sync/ingest.ts';

/** A stored row as PostgreSQL returns it (JSON columns untyped). */
const row = (o: Partial<EntityConfigRow>): EntityConfigRow => ({
  id: '1',
  tenant_id: 'acme',
  entity_type: 'CUENTA',
  erp_type: 'AXIOMA',
  source_table: null,
  primary_key: null,
  timestamp_field: null,
  queries: {},
  field_mapping: {},
  transform_rules: [],
  direction: 'IN',
  enabled: true,
  sync_frequency: null,
  created_at: new Date(0),
  updated_at: new Date(0),
  ...o,
});

t.test('a row is read once into typed documents; the schema defaults apply', async (t) => {
  const c = parseEntityConfig(
    row({
      queries: { select_all: 'SELECT 1', cursor: { field: 'FechaModif', pk: 'Codigo' } },
      field_mapping: { erp_to_hub: { Codigo: 'codigo' } },
      transform_rules: [{ rule: 'trim', field: 'codigo' }],
    }),
  );
  t.same(c.queries.cursor, { field: 'FechaModif', pk: 'Codigo', lookback_seconds: 0 });
  t.same(c.field_mapping, { erp_to_hub: { Codigo: 'codigo' } });
  t.same(c.transform_rules, [{ rule: 'trim', field: 'codigo' }]);
});

t.test('a row the schema cannot read is refused naming the path, and left out of lists', async (t) => {
  const bad = row({ id: '7', queries: { cursor: { field: 'x', pk: 'not an identifier' } } });
  t.throws(() => parseEntityConfig(bad), new StoredConfigError('configuration 7 (CUENTA): queries.cursor.pk: must be an identifier'));
  t.throws(() => parseEntityConfig(bad), /^configuration 7 \(CUENTA\): queries\.cursor\.pk: must be an identifier/);
  t.same(
    readableConfigs([bad, row({ id: '8' })]).map((c) => c.id),
    ['8'],
  );
});

t.test('one primary-key rule: primary_key, else the cursor key column (pull and ingest both use it)', async (t) => {
  const byCursor = parseEntityConfig(row({ queries: { cursor: { field: 'F', pk: 'Codigo' } } }));
  t.equal(primaryKeyColumn(byCursor), 'Codigo');
  t.equal(prepareRecord({ Codigo: 'A1', F: '2026-01-01' }, byCursor, 'UTC').entityId, 'A1');
  t.equal(primaryKeyColumn(parseEntityConfig(row({ primary_key: 'Id', queries: { cursor: { field: 'F', pk: 'Codigo' } } }))), 'Id');
  t.equal(primaryKeyColumn(parseEntityConfig(row({}))), undefined);
});

t.test('directions: BOTH flows either way; a download table is outbound with a schema', async (t) => {
  t.same(
    (['IN', 'OUT', 'BOTH'] as const).map((d) => [flows({ direction: d }, 'IN'), flows({ direction: d }, 'OUT')]),
    [
      [true, false],
      [false, true],
      [true, true],
    ],
  );
  const schema = { columns: [{ name: 'codigo', type: 'VARCHAR(20)' }] };
  t.ok(isDownloadTable(parseEntityConfig(row({ direction: 'BOTH', queries: { schema } }))));
  t.notOk(isDownloadTable(parseEntityConfig(row({ direction: 'IN', queries: { schema } }))));
  t.notOk(isDownloadTable(parseEntityConfig(row({ direction: 'OUT' }))));
});

t.test('phases are read as stored and validated where they run', async (t) => {
  const planted = parseEntityConfig(row({ queries: { post_process: { run_on: 'hub', sql: 'DELETE FROM sync_data' } } }));
  t.equal(phaseSide(planted, 'post_process'), 'hub');
  t.equal(phaseSide(planted, 'pre_process'), undefined);
  t.throws(() => configPhase(planted, 'post_process'), PhaseRefusedError);
  t.throws(() => configPhase(planted, 'post_process'), /^queries\.post_process\.sql: free SQL does not run on our database/);
  t.same(configPhase(parseEntityConfig(row({ queries: { pre_process: { run_on: 'erp', sql: 'EXEC p' } } })), 'pre_process'), {
    run_on: 'erp',
    sql: 'EXEC p',
  });
});

t.test('a download merges with the ERP post_process naming {temp_table}, else queries.merge, else update_insert', async (t) => {
  const post = { run_on: 'erp', sql: 'MERGE t USING {temp_table} s ON 1=0 WHEN NOT MATCHED THEN INSERT DEFAULT VALUES;' };
  t.equal(downloadMergeSql(parseEntityConfig(row({ queries: { post_process: post, merge: 'M2' } }))), post.sql);
  t.equal(downloadMergeSql(parseEntityConfig(row({ queries: { post_process: { run_on: 'erp', sql: 'EXEC x' }, merge: 'M2' } }))), 'M2');
  const schema = { columns: [{ name: 'codigo', type: 'VARCHAR(20)' }] };
  const ui = parseEntityConfig(
    row({ primary_key: 'codigo', queries: { schema, merge: 'M2', merge_strategy: { mode: 'update_insert', table: 'dbo.t' } } }),
  );
  t.equal(downloadMergeSql(ui), undefined);
  t.same(updateInsertTarget(ui), { table: 'dbo.t', key: ['codigo'], deactivateMissing: undefined });
});

t.test('the statements an outbound action needs', async (t) => {
  const c = parseEntityConfig(row({ direction: 'OUT', queries: { insert: 'INSERT …' } }));
  t.same(missingStatements(c, 'CREATE'), []);
  t.same(missingStatements(c, 'UPDATE'), ['find_existing', 'update']);
  t.same(missingStatements(c, 'DELETE'), ['delete']);
});
