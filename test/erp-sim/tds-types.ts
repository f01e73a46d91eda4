/**
 * ERP SIMULATOR: SQL Server wire types. `ColumnType` describes a result column (server → client:
 * TYPE_INFO + value encoding); `readTypeInfo` / `readValue` decode what a client sends (RPC
 * parameters, bulk-load rows). Values travel as PostgreSQL text on the backend side.
 */
import { encodeCp1252, decodeCp1252 } from './cp1252.ts';
import { TdsReader, TdsWriter } from './tds-buffer.ts';

export const T = {
  GUID: 0x24,
  INTN: 0x26,
  DATEN: 0x28,
  TIMEN: 0x29,
  DATETIME2N: 0x2a,
  DATETIMEOFFSETN: 0x2b,
  INT1: 0x30,
  BIT: 0x32,
  INT2: 0x34,
  INT4: 0x38,
  DATETIM4: 0x3a,
  FLT4: 0x3b,
  MONEY: 0x3c,
  DATETIME: 0x3d,
  FLT8: 0x3e,
  BITN: 0x68,
  DECIMALN: 0x6a,
  NUMERICN: 0x6c,
  FLTN: 0x6d,
  MONEYN: 0x6e,
  DATETIMN: 0x6f,
  MONEY4: 0x7a,
  INT8: 0x7f,
  BIGVARBIN: 0xa5,
  BIGVARCHAR: 0xa7,
  BIGBINARY: 0xad,
  BIGCHAR: 0xaf,
  NVARCHAR: 0xe7,
  NCHAR: 0xef,
} as const;

/** SQL_Latin1_General_CP1_CI_AS: LCID 1033, sort id 52 → code page 1252. */
export const COLLATION_CP1252 = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
const PLP_NULL = 0xffffffffffffffffn;
const DAY_MS = 86_400_000;
const EPOCH_0001 = new Date(0).setUTCFullYear(1, 0, 1); // day 0 of DATE / DATETIME2 (Date.UTC maps years 0-99 to 19xx)
const EPOCH_1900 = Date.UTC(1900, 0, 1);

export type ColumnKind =
  | { kind: 'int'; size: 2 | 4 | 8 }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'money'; size?: 4 | 8 }
  | { kind: 'nvarchar' }
  | { kind: 'varchar' }
  | { kind: 'datetime2' }
  | { kind: 'datetimeoffset' }
  | { kind: 'datetime' }
  | { kind: 'date' }
  | { kind: 'bit' }
  | { kind: 'guid' }
  | { kind: 'varbinary' }
  | { kind: 'float' };

const decimalSize = (p: number) => (p <= 9 ? 5 : p <= 19 ? 9 : p <= 28 ? 13 : 17);

/** TYPE_INFO of a result column. */
export function writeTypeInfo(w: TdsWriter, c: ColumnKind): void {
  switch (c.kind) {
    case 'int':
      w.u8(T.INTN).u8(c.size);
      return;
    case 'decimal':
      w.u8(T.DECIMALN).u8(decimalSize(c.precision)).u8(c.precision).u8(c.scale);
      return;
    case 'money':
      w.u8(T.MONEYN).u8(c.size ?? 8);
      return;
    case 'nvarchar':
      w.u8(T.NVARCHAR).u16(0xffff).bytes(COLLATION_CP1252);
      return;
    case 'varchar':
      w.u8(T.BIGVARCHAR).u16(8000).bytes(COLLATION_CP1252);
      return;
    case 'datetime2':
      w.u8(T.DATETIME2N).u8(7);
      return;
    case 'datetimeoffset':
      w.u8(T.DATETIMEOFFSETN).u8(7);
      return;
    case 'datetime':
      w.u8(T.DATETIMN).u8(8);
      return;
    case 'date':
      w.u8(T.DATEN);
      return;
    case 'bit':
      w.u8(T.BITN).u8(1);
      return;
    case 'guid':
      w.u8(T.GUID).u8(16);
      return;
    case 'varbinary':
      w.u8(T.BIGVARBIN).u16(0xffff);
      return;
    case 'float':
      w.u8(T.FLTN).u8(8);
      return;
  }
}

/** "2026-03-01 09:30:00.123456" (PostgreSQL text) → [days since 0001-01-01, 100 ns ticks since midnight]. */
/**
 * Days from 1970-01-01 to a proleptic Gregorian date, by arithmetic (H. Hinnant's days_from_civil):
 * no Date per encoded value, and no Date.UTC mapping of years 0–99.
 */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

function splitTimestamp(text: string): { days: number; ticks: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?)?/.exec(text);
  if (!m) throw new Error(`ERP simulator cannot encode timestamp '${text}'`);
  const days = civilDays(+m[1]!, +m[2]!, +m[3]!) - civilDays(1, 1, 1);
  const secs = +(m[4] ?? 0) * 3600 + +(m[5] ?? 0) * 60 + +(m[6] ?? 0);
  // At most 864 000 000 000 ticks a day: exact in a double.
  const ticks = secs * 10_000_000 + +(m[7] ?? '').padEnd(7, '0');
  return { days, ticks };
}

/**
 * PostgreSQL numeric text → integer count of 10^-scale units, exactly (BigInt). Digits beyond the
 * scale round half away from zero, as SQL Server does when it narrows a decimal.
 */
function scaledInteger(text: string, scale: number): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (!m[2] && !m[3])) throw new Error(`ERP simulator cannot encode '${text}' as a decimal`);
  const frac = m[3] ?? '';
  let v = BigInt((m[2] || '0') + frac.padEnd(scale, '0').slice(0, scale));
  if (frac.length > scale && frac[scale]! >= '5') v += 1n;
  return m[1] === '-' ? -v : v;
}

/** A PLP value of `length` bytes in one chunk, its bytes written by `body` (a Buffer's, or a string's UCS-2 straight into the message). */
function plp(w: TdsWriter, length: number, body: () => void): void {
  w.u64n(length);
  if (length) {
    w.u32(length);
    body();
  }
  w.u32(0);
}

/** 10^0 … 10^38 (decimal precisions), computed once. */
const POW10 = Array.from({ length: 39 }, (_, p) => 10n ** BigInt(p));

/** The value bytes of one cell (`null` → the type's NULL form). `text` is PostgreSQL's text output. */
export function writeValue(w: TdsWriter, c: ColumnKind, text: string | null): void {
  if (text === null) {
    if (c.kind === 'nvarchar' || c.kind === 'varbinary') w.u64(PLP_NULL);
    else if (c.kind === 'varchar') w.u16(0xffff);
    else w.u8(0);
    return;
  }
  switch (c.kind) {
    case 'int': {
      w.u8(c.size);
      if (c.size === 2) w.i16(Number(text));
      else if (c.size === 4) w.i32(Number(text));
      else w.i64(BigInt(text));
      return;
    }
    case 'decimal': {
      const v = scaledInteger(text, c.scale);
      const magnitude = v < 0n ? -v : v;
      if (magnitude >= POW10[c.precision]!) throw new Error(`Arithmetic overflow converting ${text} to numeric(${c.precision},${c.scale})`);
      const size = decimalSize(c.precision);
      w.u8(size)
        .u8(v < 0n ? 0 : 1)
        .uintN(magnitude, size - 1); // a zero is never negative, as on SQL Server
      return;
    }
    case 'money': {
      // PostgreSQL's own money type prints "$1,234.56"; the tsql_money domains print plain numerics.
      const v = scaledInteger(text.replace(/[$,\s]/g, ''), 4);
      const size = c.size ?? 8;
      if (BigInt.asIntN(size * 8, v) !== v)
        throw new Error(`Arithmetic overflow converting ${text} to ${size === 4 ? 'smallmoney' : 'money'}`);
      if (size === 4) {
        w.u8(4).i32(Number(v));
        return;
      }
      const u = BigInt.asUintN(64, v);
      w.u8(8)
        .u32(Number(u >> 32n))
        .u32(Number(u & 0xffffffffn));
      return;
    }
    case 'nvarchar':
      plp(w, 2 * text.length, () => w.ucs2(text));
      return;
    case 'varchar': {
      const b = encodeCp1252(text).subarray(0, 8000);
      w.u16(b.length).bytes(b);
      return;
    }
    case 'datetime2': {
      const { days, ticks } = splitTimestamp(text);
      w.u8(8).uintN(ticks, 5).uintN(days, 3);
      return;
    }
    case 'datetimeoffset': {
      // PostgreSQL text with the session in UTC: "2026-03-01 12:30:00.5+00".
      const { days, ticks } = splitTimestamp(text);
      w.u8(10).uintN(ticks, 5).uintN(days, 3).i16(0);
      return;
    }
    case 'datetime': {
      const { days, ticks } = splitTimestamp(text);
      const d1900 = days - Math.round((EPOCH_1900 - EPOCH_0001) / DAY_MS);
      // 1/300 s ticks: the legacy type's precision (…0, …3, …7 ms).
      w.u8(8)
        .i32(d1900)
        .u32(Math.round((ticks / 10_000_000) * 300));
      return;
    }
    case 'date':
      w.u8(3).uintN(splitTimestamp(text).days, 3);
      return;
    case 'bit':
      w.u8(1).u8(text === 't' || text === 'true' || text === '1' ? 1 : 0);
      return;
    case 'guid':
      w.u8(16).bytes(guidToBytes(text));
      return;
    case 'varbinary': {
      const data = Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
      plp(w, data.length, () => w.bytes(data));
      return;
    }
    case 'float':
      w.u8(8).f64(Number(text));
      return;
  }
}

/** GUIDs are mixed-endian on the wire: the first three groups little-endian. */
export function guidToBytes(text: string): Buffer {
  const h = text.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}
export function bytesToGuid(b: Buffer): string {
  const x = Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A client-declared type (RPC parameter or bulk-load column). */
export interface TypeInfo {
  type: number;
  size?: number;
  precision?: number;
  scale?: number;
  collation?: Buffer;
  plp?: boolean;
}

export function readTypeInfo(r: TdsReader): TypeInfo {
  const type = r.u8();
  switch (type) {
    case T.INT1:
    case T.BIT:
    case T.INT2:
    case T.INT4:
    case T.INT8:
    case T.FLT4:
    case T.FLT8:
    case T.MONEY:
    case T.MONEY4:
    case T.DATETIME:
    case T.DATETIM4:
      return { type };
    case T.INTN:
    case T.BITN:
    case T.FLTN:
    case T.MONEYN:
    case T.DATETIMN:
    case T.GUID:
      return { type, size: r.u8() };
    case T.DECIMALN:
    case T.NUMERICN:
      return { type, size: r.u8(), precision: r.u8(), scale: r.u8() };
    case T.DATEN:
      return { type };
    case T.TIMEN:
    case T.DATETIME2N:
    case T.DATETIMEOFFSETN:
      return { type, scale: r.u8() };
    case T.BIGVARCHAR:
    case T.BIGCHAR:
    case T.NVARCHAR:
    case T.NCHAR: {
      const size = r.u16();
      return { type, size, collation: r.bytes(5), plp: size === 0xffff };
    }
    case T.BIGVARBIN:
    case T.BIGBINARY: {
      const size = r.u16();
      return { type, size, plp: size === 0xffff };
    }
    default:
      throw new Error(`not supported by the ERP simulator: wire type 0x${type.toString(16)}`);
  }
}

const FIXED_SIZE: Record<number, number> = {
  [T.INT1]: 1,
  [T.BIT]: 1,
  [T.INT2]: 2,
  [T.INT4]: 4,
  [T.INT8]: 8,
  [T.FLT4]: 4,
  [T.FLT8]: 8,
  [T.MONEY]: 8,
  [T.MONEY4]: 4,
  [T.DATETIME]: 8,
  [T.DATETIM4]: 4,
};

function readPlp(r: TdsReader): Buffer | null {
  const total = r.u64();
  if (total === PLP_NULL) return null;
  const parts: Buffer[] = [];
  for (let len = r.u32(); len !== 0; len = r.u32()) parts.push(r.bytes(len));
  return Buffer.concat(parts);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function dateText(days: number): string {
  const d = new Date(EPOCH_0001 + days * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
function timeText(ticks100ns: bigint): string {
  const secs = Number(ticks100ns / 10_000_000n);
  const frac = (ticks100ns % 10_000_000n).toString().padStart(7, '0');
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}.${frac}`;
}

/** Decodes one value to what PostgreSQL accepts as a parameter (text, or a Buffer for bytea). */
export function readValue(r: TdsReader, t: TypeInfo): string | Buffer | null {
  let len: number;
  if (FIXED_SIZE[t.type] !== undefined) len = FIXED_SIZE[t.type]!;
  else if (t.plp) {
    const data = readPlp(r);
    if (data === null) return null;
    return t.type === T.NVARCHAR || t.type === T.NCHAR
      ? data.toString('ucs2')
      : t.type === T.BIGVARCHAR || t.type === T.BIGCHAR
        ? decodeCp1252(data)
        : data;
  } else if (
    t.type === T.BIGVARCHAR ||
    t.type === T.BIGCHAR ||
    t.type === T.NVARCHAR ||
    t.type === T.NCHAR ||
    t.type === T.BIGVARBIN ||
    t.type === T.BIGBINARY
  ) {
    len = r.u16();
    if (len === 0xffff) return null;
  } else {
    len = r.u8();
    if (len === 0) return null;
  }
  const b = r.bytes(len);
  const v = new TdsReader(b);
  switch (t.type) {
    case T.INT1:
      return String(v.u8());
    case T.INT2:
      return String(v.i16());
    case T.INT4:
      return String(v.i32());
    case T.INT8:
      return String(v.i64());
    case T.INTN:
      return len === 1 ? String(v.u8()) : len === 2 ? String(v.i16()) : len === 4 ? String(v.i32()) : String(v.i64());
    case T.BIT:
    case T.BITN:
      return v.u8() ? '1' : '0';
    case T.FLT4:
      return String(v.f32());
    case T.FLT8:
      return String(v.f64());
    case T.FLTN:
      return String(len === 4 ? v.f32() : v.f64());
    case T.MONEY:
    case T.MONEY4:
    case T.MONEYN: {
      const raw = len === 4 ? BigInt(v.i32()) : (BigInt(v.i32()) << 32n) | BigInt(v.u32());
      const neg = raw < 0n;
      const s = (neg ? -raw : raw).toString().padStart(5, '0');
      return `${neg ? '-' : ''}${s.slice(0, -4)}.${s.slice(-4)}`;
    }
    case T.DECIMALN:
    case T.NUMERICN: {
      const sign = v.u8();
      const mag = v
        .uintN(len - 1)
        .toString()
        .padStart((t.scale ?? 0) + 1, '0');
      const s = t.scale ? `${mag.slice(0, -t.scale)}.${mag.slice(-t.scale)}` : mag;
      return sign === 1 ? s : `-${s}`;
    }
    case T.GUID:
      return bytesToGuid(b);
    case T.DATEN:
      return dateText(Number(v.uintN(3)));
    case T.TIMEN:
      return timeText(v.uintN(len - 0) * 10n ** BigInt(7 - (t.scale ?? 7)));
    case T.DATETIME2N:
    case T.DATETIMEOFFSETN: {
      const timeLen = len - 3 - (t.type === T.DATETIMEOFFSETN ? 2 : 0);
      const ticks = v.uintN(timeLen) * 10n ** BigInt(7 - (t.scale ?? 7));
      const days = Number(v.uintN(3));
      if (t.type === T.DATETIME2N) return `${dateText(days)} ${timeText(ticks)}`;
      return `${dateText(days)} ${timeText(ticks)}+00`; // stored as UTC on the wire; the offset is informational
    }
    case T.DATETIME:
    case T.DATETIMN:
    case T.DATETIM4: {
      if (len === 4) {
        const days = v.u16();
        const mins = v.u16();
        return `${dateText(days + Math.round((EPOCH_1900 - EPOCH_0001) / DAY_MS))} ${timeText(BigInt(mins) * 600_000_000n)}`;
      }
      const days = v.i32();
      const ticks300 = v.u32();
      return `${dateText(days + Math.round((EPOCH_1900 - EPOCH_0001) / DAY_MS))} ${timeText(BigInt(Math.round((ticks300 * 10_000_000) / 300)))}`;
    }
    case T.BIGVARCHAR:
    case T.BIGCHAR:
      return decodeCp1252(b);
    case T.NVARCHAR:
    case T.NCHAR:
      return b.toString('ucs2');
    case T.BIGVARBIN:
    case T.BIGBINARY:
      return Buffer.from(b);
    default:
      throw new Error(`not supported by the ERP simulator: wire type 0x${t.type.toString(16)}`);
  }
}

/** The PostgreSQL type a client-declared parameter is cast to. */
export function pgTypeOf(t: TypeInfo): string {
  switch (t.type) {
    case T.INT1:
    case T.INT2:
      return 'int2';
    case T.INT4:
      return 'int4';
    case T.INT8:
      return 'int8';
    case T.INTN:
      return t.size === 8 ? 'int8' : t.size === 4 ? 'int4' : 'int2';
    case T.BIT:
    case T.BITN:
      return 'int2'; // BIT columns are tsql_bit (smallint 0/1), as CREATE TABLE … BIT makes them
    case T.FLT4:
    case T.FLT8:
    case T.FLTN:
      return 'float8';
    case T.MONEY:
    case T.MONEY4:
    case T.MONEYN:
      return 'numeric(19,4)';
    case T.DECIMALN:
    case T.NUMERICN:
      return `numeric(${t.precision},${t.scale})`;
    case T.GUID:
      return 'uuid';
    case T.DATEN:
      return 'date';
    case T.TIMEN:
      return 'time';
    case T.DATETIME2N:
    case T.DATETIME:
    case T.DATETIMN:
    case T.DATETIM4:
      return 'timestamp';
    case T.DATETIMEOFFSETN:
      return 'timestamptz';
    case T.BIGVARBIN:
    case T.BIGBINARY:
      return 'bytea';
    // Character parameters stay untyped, as SQL Server converts them implicitly ('1234.50' into a DECIMAL column).
    default:
      return '';
  }
}
