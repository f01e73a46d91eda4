/**
 * Parameters are always bound with an explicit tedious type, never interpolated into SQL.
 * A plain value gets an inferred type; `{ type, value }` states it (e.g. `@lastSync` as datetime2(7)).
 */
import { TYPES, type Request } from 'tedious';
import { normalizeDecimal } from '../core/decimal.ts';
import { instantOf, parseWallClock } from '../core/wall-clock.ts';
import { ExactTypes } from './tedious-exact.ts';

export const ERP_PARAM_TYPES = [
  'int',
  'bigint',
  'smallint',
  'tinyint',
  'bit',
  'decimal',
  'money',
  'smallmoney',
  'float',
  'nvarchar',
  'varchar',
  'date',
  'datetime',
  'datetime2',
  'datetimeoffset',
  'uniqueidentifier',
  'varbinary',
] as const;
export type ErpParamType = (typeof ERP_PARAM_TYPES)[number];

export interface TypedParam {
  type: ErpParamType;
  value: unknown;
  precision?: number;
  scale?: number;
  length?: number;
}

export type ErpParams = Record<string, unknown>;

const isTyped = (v: unknown): v is TypedParam =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof Date) &&
  !Buffer.isBuffer(v) &&
  (ERP_PARAM_TYPES as readonly string[]).includes((v as TypedParam).type);

function infer(value: unknown): TypedParam {
  if (value === null || value === undefined) return { type: 'nvarchar', value: null };
  if (typeof value === 'boolean') return { type: 'bit', value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { type: Math.abs(value) <= 2 ** 31 - 1 ? 'int' : 'bigint', value } : { type: 'float', value };
  if (typeof value === 'bigint') return { type: 'bigint', value: value.toString() };
  if (value instanceof Date) return { type: 'datetime2', value };
  if (Buffer.isBuffer(value)) return { type: 'varbinary', value };
  if (typeof value === 'object') return { type: 'nvarchar', value: JSON.stringify(value) };
  return { type: 'nvarchar', value: String(value) };
}

/**
 * "2026-03-01T09:30:00.1234567" → a Date whose UTC fields are that wall time (the driver runs with
 * useUTC) carrying the sub-millisecond remainder in `nanosecondDelta`, which tedious writes into
 * datetime2(7). A value with a zone is converted to UTC first. Years 0001–0099 stay themselves.
 */
export function datetime2Param(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  const c = parseWallClock(String(v));
  if (!c || c.fraction.length > 7) throw new TypeError(`'${String(v)}' is not a date-time`);
  const d = instantOf(c);
  Object.assign(d, { nanosecondDelta: Number(c.fraction.padEnd(7, '0').slice(3)) / 1e7 });
  return d;
}

export function bindParams(request: Request, params: ErpParams = {}): void {
  for (const [name, raw] of Object.entries(params)) {
    const p = isTyped(raw) ? raw : infer(raw);
    const v = p.value;
    switch (p.type) {
      case 'int':
        request.addParameter(name, TYPES.Int, v);
        break;
      case 'bigint':
        request.addParameter(name, TYPES.BigInt, v === null ? null : String(v));
        break;
      case 'smallint':
        request.addParameter(name, TYPES.SmallInt, v);
        break;
      case 'tinyint':
        request.addParameter(name, TYPES.TinyInt, v);
        break;
      case 'bit':
        request.addParameter(name, TYPES.Bit, v);
        break;
      case 'float':
        request.addParameter(name, TYPES.Float, v);
        break;
      // Exact types: the decimal string is encoded as is, never through a double (tedious-exact.ts).
      case 'money':
        request.addParameter(name, ExactTypes.Money, v);
        break;
      case 'smallmoney':
        request.addParameter(name, ExactTypes.SmallMoney, v);
        break;
      case 'decimal': {
        const s = v === null || v === undefined ? null : normalizeDecimal(v);
        const scale = p.scale ?? s?.split('.')[1]?.length ?? 0;
        // Wide enough for the value (a 22-digit account number does not fit the default 18).
        const intDigits = s ? s.replace(/^-/, '').split('.')[0]!.replace(/^0+/, '').length : 0;
        request.addParameter(name, ExactTypes.Decimal, s ?? v ?? null, {
          precision: p.precision ?? Math.min(38, Math.max(18, intDigits + scale)),
          scale,
        });
        break;
      }
      case 'nvarchar':
        request.addParameter(name, TYPES.NVarChar, v, p.length ? { length: p.length } : undefined);
        break;
      case 'varchar':
        request.addParameter(name, TYPES.VarChar, v, p.length ? { length: p.length } : undefined);
        break;
      case 'date':
        request.addParameter(name, ExactTypes.Date, datetime2Param(v));
        break;
      case 'datetime':
        request.addParameter(name, TYPES.DateTime, datetime2Param(v));
        break;
      case 'datetime2':
        request.addParameter(name, ExactTypes.DateTime2, datetime2Param(v), { scale: p.scale ?? 7 });
        break;
      case 'datetimeoffset':
        request.addParameter(name, ExactTypes.DateTimeOffset, datetime2Param(v), { scale: p.scale ?? 7 });
        break;
      case 'uniqueidentifier':
        request.addParameter(name, TYPES.UniqueIdentifier, v);
        break;
      case 'varbinary':
        request.addParameter(name, TYPES.VarBinary, v);
        break;
    }
  }
}
