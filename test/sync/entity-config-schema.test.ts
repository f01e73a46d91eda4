import t from 'tap';
import { cronProblem } from '../../src/sync/cron.ts';
import { entityConfigInputSchema, fieldMappingSchema, queriesSchema, transformRuleSchema } from '../../src/sync/entity-config-schema.ts';

const base = { entity_type: 'ARTICULO', erp_type: 'AXIOMA', direction: 'IN' };

/** `path: message; …` of every issue, or 'valid'. */
function issues(
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } },
  v: unknown,
): string {
  const r = schema.safeParse(v);
  return r.success ? 'valid' : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}
const config = (v: object) => issues(entityConfigInputSchema, { ...base, ...v });

t.test("seed 000's and seed 001's own examples are valid configs", async (t) => {
  // Seed 000 §"Agregar Nueva Entidad", as written there.
  t.equal(
    config({
      source_table: 'Articulos',
      primary_key: 'CodArt',
      timestamp_field: 'FechaModif',
      queries: {
        select_all: 'SELECT * FROM Articulos WHERE Activo = 1',
        select_since: 'SELECT * FROM Articulos WHERE FechaModif > @lastSync',
      },
      field_mapping: { erp_to_hub: { CodArt: 'id', Descripcion: 'nombre', PrecioVenta: 'precio' } },
    }),
    'valid',
  );
  // Seed 001 "Ejemplo 3" (download table with MERGE), in our keys.
  t.equal(
    config({
      entity_type: 'PLAN_CUENTAS_ERP',
      direction: 'OUT',
      primary_key: 'codigo',
      queries: {
        schema: {
          columns: [
            { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
            { name: 'nombre', type: 'VARCHAR(200)', nullable: false },
            { name: 'nivel', type: 'INT', nullable: false },
          ],
        },
        pre_process: {
          run_on: 'erp',
          sql: "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas_erp') CREATE TABLE plan_cuentas_erp (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200), nivel INT)",
        },
        process: {
          query:
            "SELECT codigo, nombre, parametros_json->>'nivel' as nivel FROM parametros_maestros WHERE tipo_campo = 'cuenta' AND activo = true",
        },
        merge:
          'MERGE plan_cuentas_erp AS target USING {temp_table} AS source ON target.codigo = source.codigo WHEN MATCHED THEN UPDATE SET nombre = source.nombre',
      },
    }),
    'valid',
  );
  const parsed = entityConfigInputSchema.parse({
    ...base,
    queries: { cursor: { field: 'FechaModif', pk: 'CodArt' }, schema: { columns: [{ name: 'a', type: 'INT' }] } },
  });
  t.same(parsed.queries.cursor, { field: 'FechaModif', pk: 'CodArt', lookback_seconds: 0 }, 'lookback_seconds defaults to 0');
  t.equal(parsed.queries.schema!.columns[0]!.nullable, true, 'nullable defaults to true');
  t.same([parsed.enabled, parsed.field_mapping, parsed.transform_rules], [true, {}, []]);
});

t.test('every error names its JSON path', async (t) => {
  t.match(config({ queries: { select_everything: 'SELECT 1' } }), /^queries: Unrecognized key: "select_everything"/);
  t.match(
    config({
      transform_rules: [
        { rule: 'trim', field: 'a' },
        { rule: 'upper', field: 'b' },
        { rule: 'explode', field: 'c' },
      ],
    }),
    /^transform_rules\.2\.rule: /,
  );
  t.match(config({ transform_rules: [{ rule: 'trim', field: 'a', extra: 1 }] }), /^transform_rules\.0: Unrecognized key: "extra"/);
  t.match(config({ sync_frequency: '61 * * * *' }), /^sync_frequency: not a cron expression: invalid minute field/);
  t.match(config({ sync_frequency: 'every minute' }), /^sync_frequency: not a cron expression: expected 5 fields/);
  t.match(config({ direction: 'SIDEWAYS' }), /^direction: /);
  t.match(config({ unknown_column: 1 }), /Unrecognized key: "unknown_column"/);
  t.match(config({ queries: { pre_process: { sql: 'EXEC x', run_on: 'origen' } } }), /^queries\.pre_process\.run_on: /);
  t.match(config({ queries: { insert: '   ' } }), /^queries\.insert: /, 'SQL text is not blank');
  // Issue 10: our side takes named operations, never SQL; the ERP side takes SQL, never operations.
  t.match(
    config({ queries: { post_process: { run_on: 'hub', sql: 'DELETE FROM sync_data' } } }),
    /^queries\.post_process\.sql: free SQL does not run on our database .*"operations"/,
  );
  t.match(config({ queries: { pre_process: { run_on: 'hub' } } }), /^queries\.pre_process\.operations: required with run_on "hub"/);
  t.match(
    config({ queries: { pre_process: { run_on: 'erp', operations: [{ op: 'purge_logs', older_than_days: 7 }] } } }),
    /^queries\.pre_process\.sql: required/,
  );
  t.match(
    config({ queries: { post_process: { run_on: 'hub', operations: [{ op: 'vacuum' }] } } }),
    /^queries\.post_process\.operations\.0\.op/,
  );
  t.match(
    config({ queries: { post_process: { run_on: 'hub', operations: [{ op: 'purge_deleted', older_than_days: 0 }] } } }),
    /^queries\.post_process\.operations\.0\.older_than_days/,
  );
  t.equal(
    config({
      queries: {
        post_process: {
          run_on: 'hub',
          operations: [
            { op: 'purge_deleted', older_than_days: 30 },
            { op: 'notify_inbound_available' },
            { op: 'purge_logs', older_than_days: 90 },
          ],
        },
      },
    }),
    'valid',
  );
  t.match(
    config({ queries: { process: { query: 'SELECT * FROM sync_tenant' } } }),
    /^queries\.process\.query: process\.query: unexpected "sync_tenant" at position 15/,
  );
  t.match(
    config({ queries: { process: { query: { select: ['codigo'], where: { tenantId: 'other' } } } } }),
    /^queries\.process\.query: process\.query\.where\.tenantId: must be a column/,
  );
  t.equal(
    config({
      queries: {
        process: {
          query: {
            select: ['codigo', { json: 'nivel', as: 'nivel' }],
            where: { tipo_campo: 'cuenta', 'parametros_json->>nivel': 3 },
            order_by: ['nombre'],
          },
        },
      },
    }),
    'valid',
  );
  t.match(
    config({ queries: { cursor: { field: 'FechaModif', pk: 'CodArt', lookback_seconds: -1 } } }),
    /^queries\.cursor\.lookback_seconds/,
  );
  t.match(
    config({ queries: { cursor: { field: 'FechaModif', pk: 'CodArt', lookback_seconds: 1.5 } } }),
    /^queries\.cursor\.lookback_seconds/,
  );
});

t.test('SQL injection through identifiers is refused', async (t) => {
  t.match(config({ entity_type: "X'; DROP TABLE sync_queue; --" }), /^entity_type: upper-case identifier/);
  t.match(config({ entity_type: 'proveedor' }), /^entity_type/);
  t.match(config({ erp_type: 'AXIOMA;--' }), /^erp_type/);
  t.match(config({ source_table: 'Proveedores; DROP TABLE x' }), /^source_table/);
  t.equal(config({ source_table: 'softland.cwtauxi' }), 'valid', 'schema.table');
  t.match(config({ primary_key: 'CodProv OR 1=1' }), /^primary_key/);
  t.match(config({ timestamp_field: '[FechaModif]' }), /^timestamp_field/);
  t.match(config({ queries: { cursor: { field: 'a b', pk: 'id' } } }), /^queries\.cursor\.field: must be an identifier/);
  t.match(config({ queries: { cursor: { field: 'FechaModif', pk: 'id--' } } }), /^queries\.cursor\.pk/);
  t.match(
    config({ queries: { schema: { columns: [{ name: 'codigo', type: 'VARCHAR(20); DROP TABLE x' }] } } }),
    /^queries\.schema\.columns\.0\.type: not a SQL Server column type/,
  );
  t.match(
    config({
      queries: {
        schema: {
          columns: [
            { name: 'a', type: 'INT' },
            { name: 'x y', type: 'INT' },
          ],
        },
      },
    }),
    /^queries\.schema\.columns\.1\.name/,
  );
  t.match(
    config({ field_mapping: { hub_to_erp: { numero: 'numero); DROP TABLE x; --' } } }),
    /^field_mapping\.hub_to_erp\.numero: must be an identifier/,
    '@parameter names',
  );
  t.match(
    config({ field_mapping: { items: { from: 'items', mapping: { cantidad: '@cantidad' } } } }),
    /^field_mapping\.items\.mapping\.cantidad/,
  );
  t.equal(config({ field_mapping: { erp_to_hub: { 'Razon Social': 'nombre' } } }), 'valid', 'ERP column names are data, not SQL');
});

t.test('SQL Server column types: an allow-list', async (t) => {
  const type = (ty: string) => issues(queriesSchema, { schema: { columns: [{ name: 'c', type: ty }] } });
  for (const ok of [
    'VARCHAR(20)',
    'varchar(20)',
    'NVARCHAR(MAX)',
    'CHAR(1)',
    'NCHAR(10)',
    'INT',
    'BIGINT',
    'TINYINT',
    'SMALLINT',
    'BIT',
    'DECIMAL(18,2)',
    'NUMERIC(38, 10)',
    'DECIMAL',
    'MONEY',
    'FLOAT',
    'FLOAT(53)',
    'REAL',
    'DATE',
    'DATETIME',
    'SMALLDATETIME',
    'DATETIME2',
    'DATETIME2(7)',
    'DATETIMEOFFSET',
    'UNIQUEIDENTIFIER',
    'VARBINARY(MAX)',
    'NTEXT',
    'SYSNAME',
  ]) {
    t.equal(type(ok), 'valid', ok);
  }
  for (const bad of [
    'VARCHAR(20) NOT NULL',
    'INT; DROP TABLE x',
    'DECIMAL(40,2)',
    'DECIMAL(5,8)',
    'DATETIME2(8)',
    'STRING',
    'VARCHAR(99999)',
    'INT)',
    // Bulk load cannot carry these (erp-column-types.ts): refused when the config is written, not at run time.
    'XML',
    'IMAGE',
    'TIME(3)',
  ]) {
    t.match(type(bad), /^schema\.columns\.0\.type: /, bad);
  }
  t.equal(type('VARCHAR'), 'valid', 'bare VARCHAR is VARCHAR(1) to SQL Server: allowed');
});

t.test('queries: mistakes the ERP would only report at run time', async (t) => {
  t.match(
    issues(queriesSchema, { select_since: 'SELECT * FROM P WHERE FechaModif > @desde' }),
    /^select_since: must use the @lastSync \(or seed 001 @ultimaSync\) parameter/,
  );
  t.equal(
    issues(queriesSchema, { select_since: 'SELECT * FROM P WHERE FechaModif >= @LASTSYNC' }),
    'valid',
    'T-SQL parameter names are case-insensitive',
  );
  t.match(issues(queriesSchema, { insert_item: 'INSERT INTO I (IdOC) VALUES (@header_id)' }), /^insert_item: needs an insert statement/);
  t.match(
    issues(queriesSchema, { insert: 'INSERT INTO H (a) OUTPUT INSERTED.Id VALUES (@a)', insert_item: 'INSERT INTO I (IdOC) VALUES (@id)' }),
    /^insert_item: must use the @header_id/,
  );
});

t.test('transform rules', async (t) => {
  const rule = (r: object) => issues(transformRuleSchema, r);
  for (const ok of [
    { rule: 'trim', field: 'a' },
    { rule: 'upper', field: 'a' },
    { rule: 'lower', field: 'a' },
    { rule: 'null_if_empty', field: 'a' },
    { rule: 'remove', field: 'a' },
    { rule: 'default', field: 'a', value: null },
    { rule: 'default', field: 'a', value: { nested: [1] } },
    { rule: 'number', field: 'a' },
    { rule: 'number', field: 'a', scale: 2 },
    { rule: 'integer', field: 'a' },
    { rule: 'round', field: 'a', digits: 0 },
    { rule: 'boolean', field: 'a', true_values: ['X'] },
    { rule: 'date', field: 'a', timezone: 'Europe/Madrid', date_only: true },
    { rule: 'map', field: 'a', values: { A: 'ACTIVE', B: null }, default: 'UNKNOWN' },
    { rule: 'regex_replace', field: 'a', pattern: '[^0-9]', replacement: '', flags: 'gi' },
    { rule: 'concat', field: 'a', fields: ['b', 'c'], separator: ', ' },
    { rule: 'substring', field: 'a', start: 0, length: 3 },
  ])
    t.equal(rule(ok), 'valid', JSON.stringify(ok));

  t.match(rule({ rule: 'default', field: 'a' }), /^value: /, 'default needs its value (null is a value)');
  t.match(rule({ rule: 'round', field: 'a' }), /^digits: /);
  t.match(rule({ rule: 'number', field: 'a', scale: 2.5 }), /^scale: /);
  t.match(rule({ rule: 'date', field: 'a', timezone: 'Mars/Olympus' }), /^timezone: not an IANA time zone/);
  t.match(rule({ rule: 'concat', field: 'a', fields: [] }), /^fields: /);
  t.match(rule({ rule: 'trim' }), /^field: /);
  t.match(rule({ rule: 'regex_replace', field: 'a', pattern: '(', replacement: '' }), /^pattern: not a valid RE2 regular expression/);
  t.match(
    rule({ rule: 'regex_replace', field: 'a', pattern: '(a)\\1', replacement: '' }),
    /^pattern: not a valid RE2 regular expression/,
    'backreferences need backtracking: refused',
  );
  t.match(
    rule({ rule: 'regex_replace', field: 'a', pattern: 'a(?=b)', replacement: '' }),
    /^pattern: not a valid RE2 regular expression/,
    'lookaheads too',
  );
  t.match(
    rule({ rule: 'regex_replace', field: 'a', pattern: 'x'.repeat(201), replacement: '' }),
    /^pattern: /,
    'patterns over 200 characters',
  );
  // RE2 runs in linear time: patterns that backtrack catastrophically elsewhere are harmless here (test/security/tenant-regex.test.ts).
  t.equal(rule({ rule: 'regex_replace', field: 'a', pattern: '(a+)+$', replacement: '' }), 'valid', 'nested quantifiers are fine on RE2');
  t.equal(
    rule({ rule: 'regex_replace', field: 'a', pattern: '(\\d{3})+|([+-]\\d)+', replacement: '' }),
    'valid',
    'bounded repetition and classes are fine',
  );
  t.match(rule({ rule: 'regex_replace', field: 'a', pattern: 'a', replacement: '', flags: 'x' }), /^flags: /);
  t.match(rule({ rule: 'regex_replace', field: 'a', pattern: 'a', replacement: '', flags: 'gg' }), /^flags: a flag is repeated/);
});

t.test('field_mapping', async (t) => {
  t.equal(
    issues(fieldMappingSchema, {
      erp_to_hub: { A: 'a' },
      hub_to_erp: { a: 'A' },
      items: { from: 'lineas', mapping: { cantidad: 'Cantidad' } },
    }),
    'valid',
  );
  t.match(issues(fieldMappingSchema, { erp_to_hub: { A: 1 } }), /^erp_to_hub\.A: /);
  t.match(issues(fieldMappingSchema, { items: { mapping: {} } }), /^items\.from: /);
  t.match(issues(fieldMappingSchema, { hub_to_erp_typo: {} }), /Unrecognized key: "hub_to_erp_typo"/);
});

t.test('cron check (5 fields)', async (t) => {
  for (const ok of [
    '*/15 * * * *',
    '0 2 * * *',
    '0 6 * * mon-fri',
    '30 1 1,15 * *',
    '0 0 * jan *',
    '0 3 * * 0',
    '0 3 * * 7',
    '0-30/5 8-18 * * 1-5',
  ])
    t.equal(cronProblem(ok), undefined, ok);
  t.match(cronProblem('* * * *'), /5 fields/);
  t.match(cronProblem('* * * * * *'), /5 fields/, 'no seconds field');
  t.match(cronProblem('61 * * * *'), /minute/);
  t.match(cronProblem('0 25 * * *'), /hour/);
  t.match(cronProblem('0 0 32 * *'), /day of month/);
  t.match(cronProblem('0 0 * 13 *'), /month/);
  t.match(cronProblem('0 0 * * 8'), /day of week/);
  t.match(cronProblem('*/0 * * * *'), /minute/);
  t.match(cronProblem('30-10 * * * *'), /minute/, 'reversed range');
  t.match(cronProblem('0 0 * * 1; DROP TABLE x'), /fields|day of week/);
});
