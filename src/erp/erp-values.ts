/**
 * tedious column values → JSON-safe values: exact decimal strings, ISO-8601 with offsets, booleans,
 * lowercase GUIDs, base64 binaries. Zone-less ERP datetimes are read as the tenant's local time.
 */
import { fromWallTime, toZonedIso } from '../core/timezone.ts';
import './tedious-exact.ts';

export type ErpValue = string | number | boolean | null;
export type ErpRow = Record<string, ErpValue>;

interface ColumnMeta {
  colName: string;
  type: { name: string };
  scale?: number;
  precision?: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 100-ns digits of a tedious date: milliseconds plus the driver's `nanosecondsDelta` (seconds). */
function sevenDigits(d: Date): string {
  const delta = (d as Date & { nanosecondsDelta?: number }).nanosecondsDelta ?? 0;
  return pad(d.getUTCMilliseconds() * 10_000 + Math.round(delta * 1e7), 7);
}

/**
 * datetime2 keeps all 7 fractional digits and no zone: `2026-03-01T09:30:00.1234567`. This is the
 * form a cursor stores, and the form `@lastSync` accepts back, so nothing is ever truncated to ms.
 */
export function datetime2Text(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${sevenDigits(d)}`;
}

/** tedious-exact.ts decodes DECIMAL/NUMERIC/MONEY from the wire bytes into exact text with the column's scale. */
function decimalText(v: unknown): string {
  if (typeof v !== 'string')
    throw new TypeError(`a decimal arrived from the ERP as ${typeof v}: the exact decoder (src/erp/tedious-exact.ts) is not installed`);
  return v;
}

export function convertValue(value: unknown, meta: ColumnMeta, timeZone: string): ErpValue {
  if (value === null || value === undefined) return null;
  switch (meta.type.name) {
    case 'Decimal':
    case 'DecimalN':
    case 'Numeric':
    case 'NumericN':
    case 'Money':
    case 'MoneyN':
    case 'SmallMoney':
      return decimalText(value);
    case 'DateTime':
    case 'DateTimeN':
    case 'SmallDateTime': {
      // No zone on the wire: the tenant's wall clock (the driver runs with useUTC, so the UTC fields are it).
      return toZonedIso(fromWallTime(value as Date, timeZone), timeZone);
    }
    case 'DateTime2':
    case 'DateTime2N':
      return datetime2Text(value as Date);
    case 'DateTimeOffset':
    case 'DateTimeOffsetN': {
      const d = value as Date;
      return `${datetime2Text(d)}Z`;
    }
    case 'Date':
    case 'DateN': {
      const d = value as Date;
      return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    }
    case 'Time':
    case 'TimeN': {
      const d = value as Date;
      return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${sevenDigits(d)}`;
    }
    case 'UniqueIdentifier':
    case 'UniqueIdentifierN':
      return String(value).toLowerCase();
    case 'VarBinary':
    case 'Binary':
    case 'Image':
    case 'BigVarBin':
    case 'BigBinary':
      return (value as Buffer).toString('base64');
    case 'BigInt':
      return String(value);
    default:
      if (Buffer.isBuffer(value)) return value.toString('base64');
      if (value instanceof Date) return value.toISOString();
      return value as ErpValue;
  }
}
