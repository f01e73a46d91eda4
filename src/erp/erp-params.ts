/**
 * Parameters are always bound with an explicit tedious type, never interpolated into SQL.
 * A plain value gets an inferred type; `{ type, value }` states it (e.g. `@lastSync` as datetime2(7)).
 */
import { TYPES, type Request } from 'tedious';

export const ERP_PARAM_TYPES = [
  'int', 'bigint', 'smallint', 'tinyint', 'bit', 'decimal', 'money', 'float', 'nvarchar', 'varchar', 'date', 'datetime', 'datetime2',
  'datetimeoffset', 'uniqueidentifier', 'varbinary',
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
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v) && (ERP_PARAM_TYPES as readonly string[]).includes((v as TypedParam).type);

function infer(value: unknown): TypedParam {
  if (value === null || value === undefined) return { type: 'nvarchar', value: null };
  if (typeof value === 'boolean') return { type: 'bit', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: Math.abs(value) <= 2 ** 31 - 1 ? 'int' : 'bigint', value } : { type: 'float', value };
  if (typeof value === 'bigint') return { type: 'bigint', value: value.toString() };
  if (value instanceof Date) return { type: 'datetime2', value };
  if (Buffer.isBuffer(value)) return { type: 'varbinary', value };
  if (typeof value === 'object') return { type: 'nvarchar', value: JSON.stringify(value) };
  return { type: 'nvarchar', value: String(value) };
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * "2026-03-01T09:30:00.1234567" → a Date whose UTC fields are that wall time (the driver runs with
 * useUTC) carrying the sub-millisecond remainder in `nanosecondDelta`, which tedious writes into
 * datetime2(7). A value with a zone is converted to UTC first.
 */
export function datetime2Param(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  const m = WALL.exec(String(v).trim());
  if (!m) throw new TypeError(`'${String(v)}' is not a date-time`);
  const digits = (m[7] ?? '').padEnd(7, '0');
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), Number(digits.slice(0, 3))));
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const [hh, mm] = [Number(m[8].slice(1, 3)), Number(m[8].slice(-2))];
    d.setTime(d.getTime() - sign * (hh * 60 + mm) * 60_000);
  }
  Object.assign(d, { nanosecondDelta: Number(digits.slice(3)) / 1e7 });
  return d;
}

export function bindParams(request: Request, params: ErpParams = {}): void {
  for (const [name, raw] of Object.entries(params)) {
    const p = isTyped(raw) ? raw : infer(raw);
    const v = p.value;
    switch (p.type) {
      case 'int': request.addParameter(name, TYPES.Int, v); break;
      case 'bigint': request.addParameter(name, TYPES.BigInt, v === null ? null : String(v)); break;
      case 'smallint': request.addParameter(name, TYPES.SmallInt, v); break;
      case 'tinyint': request.addParameter(name, TYPES.TinyInt, v); break;
      case 'bit': request.addParameter(name, TYPES.Bit, v); break;
      case 'float': request.addParameter(name, TYPES.Float, v); break;
      case 'money': request.addParameter(name, TYPES.Money, v === null ? null : Number(v)); break;
      case 'decimal': {
        const s = v === null || v === undefined ? null : String(v);
        const scale = p.scale ?? (s?.split('.')[1]?.length ?? 0);
        request.addParameter(name, TYPES.Decimal, s === null ? null : Number(s), { precision: p.precision ?? 18, scale });
        break;
      }
      case 'nvarchar': request.addParameter(name, TYPES.NVarChar, v, p.length ? { length: p.length } : undefined); break;
      case 'varchar': request.addParameter(name, TYPES.VarChar, v, p.length ? { length: p.length } : undefined); break;
      case 'date': request.addParameter(name, TYPES.Date, datetime2Param(v)); break;
      case 'datetime': request.addParameter(name, TYPES.DateTime, datetime2Param(v)); break;
      case 'datetime2': request.addParameter(name, TYPES.DateTime2, datetime2Param(v), { scale: p.scale ?? 7 }); break;
      case 'datetimeoffset': request.addParameter(name, TYPES.DateTimeOffset, datetime2Param(v), { scale: p.scale ?? 7 }); break;
      case 'uniqueidentifier': request.addParameter(name, TYPES.UniqueIdentifier, v); break;
      case 'varbinary': request.addParameter(name, TYPES.VarBinary, v); break;
    }
  }
}
