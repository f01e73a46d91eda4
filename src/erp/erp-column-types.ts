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

const asBytes = (v: unknown) => (v === null || v === undefined ? null : Buffer.from(String(v), 'base64'));

/** What may follow a type name in parentheses. */
type Args =
  | 'none'
  /** `(n)` or `(MAX)`, n of 1–4 digits; absent = SQL Server's default. */
  | 'length'
  /** `(p)` or `(p, s)`: precision 1–38, scale at most the precision. */
  | 'precision'
  /** `(n)`, the mantissa bits of FLOAT. */
  | 'bits'
  /** `(0)`–`(7)`, the fractional-second digits. */
  | 'fraction';

interface ColumnTypeEntry {
  args: Args;
  bulk(a: { length?: number; scale?: number }): BulkColumnType;
}

const simple = (type: TediousType, convert: (v: unknown) => unknown) => ({
  args: 'none' as const,
  bulk: () => ({ type, options: {}, convert }),
});
const text = (type: TediousType, max: number) => ({
  args: 'length' as const,
  bulk: (a: { length?: number }) => ({ type, options: { length: a.length ?? max }, convert: asString }),
});

/**
 * THE table of SQL Server column types a download's `schema.columns` may use: the config schema
 * accepts exactly these names (entity-config-schema.ts) and bulk load maps each to a tedious type.
 * XML, IMAGE and TIME are absent on purpose: tedious cannot bulk-load them.
 */
export const COLUMN_TYPES: Readonly<Record<string, ColumnTypeEntry>> = {
  BIT: simple(TYPES.Bit, asBool),
  TINYINT: simple(TYPES.TinyInt, asNumber),
  SMALLINT: simple(TYPES.SmallInt, asNumber),
  INT: simple(TYPES.Int, asNumber),
  BIGINT: simple(TYPES.BigInt, (v) => (v === null || v === undefined ? null : String(v))),
  // Exact types: decimal strings are encoded as they are, never through a double (tedious-exact.ts).
  DECIMAL: {
    args: 'precision',
    bulk: (a) => ({ type: ExactTypes.Decimal, options: { precision: a.length ?? 18, scale: a.scale ?? 0 }, convert: asDecimal }),
  },
  NUMERIC: {
    args: 'precision',
    bulk: (a) => ({ type: ExactTypes.Numeric, options: { precision: a.length ?? 18, scale: a.scale ?? 0 }, convert: asDecimal }),
  },
  MONEY: simple(ExactTypes.Money, asDecimal),
  SMALLMONEY: simple(ExactTypes.SmallMoney, asDecimal),
  FLOAT: { args: 'bits', bulk: () => ({ type: TYPES.Float, options: {}, convert: asNumber }) },
  REAL: simple(TYPES.Float, asNumber),
  DATE: simple(ExactTypes.Date, datetime2Param),
  DATETIME: simple(TYPES.DateTime, datetime2Param),
  SMALLDATETIME: simple(TYPES.DateTime, datetime2Param),
  DATETIME2: {
    args: 'fraction',
    bulk: (a) => ({ type: ExactTypes.DateTime2, options: { scale: a.length ?? 7 }, convert: datetime2Param }),
  },
  DATETIMEOFFSET: {
    args: 'fraction',
    bulk: (a) => ({ type: ExactTypes.DateTimeOffset, options: { scale: a.length ?? 7 }, convert: datetime2Param }),
  },
  UNIQUEIDENTIFIER: simple(TYPES.UniqueIdentifier, asString),
  CHAR: text(TYPES.VarChar, 8000),
  VARCHAR: text(TYPES.VarChar, 8000),
  TEXT: { args: 'none', bulk: () => ({ type: TYPES.VarChar, options: { length: 8000 }, convert: asString }) },
  NCHAR: text(TYPES.NVarChar, 4000),
  NVARCHAR: text(TYPES.NVarChar, 4000),
  NTEXT: { args: 'none', bulk: () => ({ type: TYPES.NVarChar, options: { length: 4000 }, convert: asString }) },
  // sysname is nvarchar(128) NOT NULL in SQL Server's own catalogs.
  SYSNAME: { args: 'none', bulk: () => ({ type: TYPES.NVarChar, options: { length: 128 }, convert: asString }) },
  BINARY: { args: 'length', bulk: (a) => ({ type: TYPES.VarBinary, options: { length: a.length ?? 8000 }, convert: asBytes }) },
  VARBINARY: { args: 'length', bulk: (a) => ({ type: TYPES.VarBinary, options: { length: a.length ?? 8000 }, convert: asBytes }) },
};

const NOT_A_TYPE = 'not a SQL Server column type (e.g. VARCHAR(20), INT, DECIMAL(18,2), BIT, DATETIME2, NVARCHAR(MAX))';
const NOT_BULK = new Set(['XML', 'IMAGE', 'TIME']);

/** A type as written in a config, split: `DECIMAL(18, 2)` → DECIMAL, 18, 2. */
function splitType(sqlType: string) {
  const m = /^\s*([A-Za-z0-9]+)\s*(?:\(\s*(\d+|MAX)\s*(?:,\s*(\d+)\s*)?\))?\s*$/i.exec(sqlType);
  return m && { name: m[1]!.toUpperCase(), first: m[2]?.toUpperCase(), second: m[3] };
}

/** Why `sqlType` is not a column type of COLUMN_TYPES (with arguments its kind allows), or undefined. */
export function columnTypeProblem(sqlType: string): string | undefined {
  const t = splitType(sqlType);
  if (t && NOT_BULK.has(t.name))
    return `${t.name} columns cannot be bulk-loaded: use NVARCHAR(MAX) (XML), VARBINARY(MAX) (IMAGE) or VARCHAR(16) (TIME)`;
  const entry = t && COLUMN_TYPES[t.name];
  if (!t || !entry) return NOT_A_TYPE;
  const { first, second } = t;
  if (first === undefined) return undefined;
  const digits = (max: number) => first !== 'MAX' && first.length <= max;
  switch (entry.args) {
    case 'none':
      return NOT_A_TYPE;
    case 'length':
      return second === undefined && (first === 'MAX' || first.length <= 4) ? undefined : NOT_A_TYPE;
    case 'bits':
      return second === undefined && digits(2) ? undefined : NOT_A_TYPE;
    case 'fraction':
      return second === undefined && first.length === 1 && Number(first) <= 7 ? undefined : NOT_A_TYPE;
    case 'precision': {
      if (!digits(2) || (second !== undefined && second.length > 2)) return NOT_A_TYPE;
      const [p, s] = [Number(first), Number(second ?? 0)];
      return p < 1 || p > 38 || s > p ? 'DECIMAL/NUMERIC precision is 1–38 and scale at most the precision' : undefined;
    }
  }
}

/** The tedious type, options and value conversion that bulk-load a column of `sqlType`. */
export function bulkColumnType(sqlType: string): BulkColumnType {
  const problem = columnTypeProblem(sqlType);
  if (problem) throw new TypeError(`column type ${sqlType}: ${problem}`);
  const t = splitType(sqlType)!;
  const length = t.first === undefined || t.first === 'MAX' ? undefined : Number(t.first);
  return COLUMN_TYPES[t.name]!.bulk({ length, scale: t.second === undefined ? undefined : Number(t.second) });
}
