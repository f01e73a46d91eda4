import t from 'tap';
import { bulkColumnType, COLUMN_TYPES } from '../../src/erp/erp-column-types.ts';
import { queriesSchema } from '../../src/sync/entity-config-schema.ts';

const accepted = (type: string) => queriesSchema.safeParse({ schema: { columns: [{ name: 'c', type }] } }).success;

t.test('one table: every type the config schema accepts, bulk load maps (and the other way round)', async (t) => {
  const written = Object.keys(COLUMN_TYPES).flatMap((name) => [name, name.toLowerCase()]);
  written.push(
    'VARCHAR(20)',
    'NVARCHAR(MAX)',
    'DECIMAL(18, 2)',
    'NUMERIC(38,10)',
    'FLOAT(53)',
    'DATETIME2(3)',
    'DATETIMEOFFSET(0)',
    'VARBINARY(16)',
  );
  for (const type of written) {
    t.ok(accepted(type), `${type}: accepted by the schema`);
    t.doesNotThrow(() => bulkColumnType(type), `${type}: bulk load maps it`);
  }
  for (const type of ['XML', 'IMAGE', 'TIME', 'TIME(3)', 'GEOGRAPHY', 'DECIMAL(40,2)', 'INT(4)', 'DATETIME2(8)', 'VARCHAR(99999)']) {
    t.notOk(accepted(type), `${type}: refused by the schema`);
    t.throws(() => bulkColumnType(type), TypeError, `${type}: refused by bulk load`);
  }
});

t.test('the schema says what to use instead of a type bulk load cannot carry', async (t) => {
  const r = queriesSchema.safeParse({ schema: { columns: [{ name: 'c', type: 'XML' }] } });
  t.match(r.error?.issues[0], {
    path: ['schema', 'columns', 0, 'type'],
    message: /^XML columns cannot be bulk-loaded: use NVARCHAR\(MAX\)/,
  });
});

t.test('sizes and defaults reach the tedious options', async (t) => {
  t.same(bulkColumnType('DECIMAL(18, 2)').options, { precision: 18, scale: 2 });
  t.same(bulkColumnType('DECIMAL').options, { precision: 18, scale: 0 });
  t.same(bulkColumnType('NVARCHAR(MAX)').options, { length: 4000 });
  t.same(bulkColumnType('varchar(20)').options, { length: 20 });
  t.same(bulkColumnType('SYSNAME').options, { length: 128 });
  t.same(bulkColumnType('DATETIME2(3)').options, { scale: 3 });
});
