/** SQL Server column types as written in configs (`VARCHAR(20)`, `DECIMAL(18,2)`) → tedious types for bulk load. */
import { TYPES } from 'tedious';
import { datetime2Param } from './erp-params.ts';
import { ExactTypes } from './tedious-exact.ts';

type TediousType = (typeof TYPES)[keyof typeof TYPES];

export interface BulkColumnType {
  type: TediousType;
  options: { length?: number; precision?: number; scale?: number };
  /** Turns a JSON value into what the tedious type accepts. */
  convert(v: unknown): unknown;
}

// Only for INT/SMALLINT/TINYINT/FLOAT/REAL columns (exact in a double, or approximate by definition); DECIMAL and MONEY use asDecimal.
const asNumber = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
/** JSON value → decimal text for the exact types (a number at its shortest rendering); '' is NULL, as for the numbers above. */
const asDecimal = (v: unknown) => (v === null || v === undefined || v === '' ? null : typeof v === 'string' ? v : String(v));
const asString = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
const asBool = (v: unknown) =>
  v === null || v === undefined ? null : v === true || v === 1 || v === '1' || String(v).toLowerCase() === 'true';

export function bulkColumnType(sqlType: string): BulkColumnType {
  const m = /^\s*(\w+)\s*(?:\(\s*(\w+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(sqlType);
  if (!m) throw new TypeError(`not a SQL Server column type: ${sqlType}`);
  const name = m[1]!.toUpperCase();
  const arg = m[2]?.toUpperCase();
  const length = arg === 'MAX' ? undefined : arg ? Number(arg) : undefined;
  switch (name) {
    case 'INT':
      return { type: TYPES.Int, options: {}, convert: asNumber };
    case 'BIGINT':
      return { type: TYPES.BigInt, options: {}, convert: (v) => (v === null || v === undefined ? null : String(v)) };
    case 'SMALLINT':
      return { type: TYPES.SmallInt, options: {}, convert: asNumber };
    case 'TINYINT':
      return { type: TYPES.TinyInt, options: {}, convert: asNumber };
    case 'BIT':
      return { type: TYPES.Bit, options: {}, convert: asBool };
    // Exact types: decimal strings are encoded as they are, never through a double (tedious-exact.ts).
    case 'DECIMAL':
      return { type: ExactTypes.Decimal, options: { precision: length ?? 18, scale: m[3] ? Number(m[3]) : 0 }, convert: asDecimal };
    case 'NUMERIC':
      return { type: ExactTypes.Numeric, options: { precision: length ?? 18, scale: m[3] ? Number(m[3]) : 0 }, convert: asDecimal };
    case 'MONEY':
      return { type: ExactTypes.Money, options: {}, convert: asDecimal };
    case 'SMALLMONEY':
      return { type: ExactTypes.SmallMoney, options: {}, convert: asDecimal };
    case 'FLOAT':
    case 'REAL':
      return { type: TYPES.Float, options: {}, convert: asNumber };
    case 'DATE':
      return { type: ExactTypes.Date, options: {}, convert: datetime2Param };
    case 'DATETIME':
    case 'SMALLDATETIME':
      return { type: TYPES.DateTime, options: {}, convert: datetime2Param };
    case 'DATETIME2':
      return { type: ExactTypes.DateTime2, options: { scale: length ?? 7 }, convert: datetime2Param };
    case 'DATETIMEOFFSET':
      return { type: ExactTypes.DateTimeOffset, options: { scale: length ?? 7 }, convert: datetime2Param };
    case 'UNIQUEIDENTIFIER':
      return { type: TYPES.UniqueIdentifier, options: {}, convert: asString };
    case 'VARCHAR':
    case 'CHAR':
    case 'TEXT':
      return { type: TYPES.VarChar, options: { length: length ?? 8000 }, convert: asString };
    case 'NVARCHAR':
    case 'NCHAR':
    case 'NTEXT':
      return { type: TYPES.NVarChar, options: { length: length ?? 4000 }, convert: asString };
    case 'VARBINARY':
    case 'BINARY':
      return {
        type: TYPES.VarBinary,
        options: { length: length ?? 8000 },
        convert: (v) => (v === null || v === undefined ? null : Buffer.from(String(v), 'base64')),
      };
    default:
      throw new TypeError(`column type ${sqlType} is not supported for bulk load`);
  }
}
