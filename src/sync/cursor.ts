/**
 * Cursor values are text at full precision: `2026-03-01T09:30:00.1234567` (datetime2(7) keeps 100 ns,
 * a JS Date only ms). Zone-less ERP columns are compared as the ERP's wall clock.
 */
import type { ErpParamType, TypedParam } from '../erp/erp-params.ts';
import { CURSOR_PARAM } from './entity-config-schema.ts';

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** The cursor text of a converted row value: an ISO date-time loses its offset (the wall clock is what the ERP compares). */
export function cursorText(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = String(v);
  const m = ISO.exec(s);
  return m ? `${m[1]}${m[2] ?? ''}` : s;
}

/** Greater of two cursor values (ISO text compares correctly as strings; numbers numerically). */
export function maxCursor(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (/^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b)) return Number(a) >= Number(b) ? a : b;
  return a >= b ? a : b;
}

/** The cursor moved back by the look-back window (rows committed late with an earlier timestamp are re-read). */
export function lookBack(cursor: string, seconds: number): string {
  const m = ISO.exec(cursor);
  if (!m || seconds <= 0) return cursor;
  const d = new Date(`${m[1]}Z`);
  d.setUTCSeconds(d.getUTCSeconds() - seconds);
  return `${d.toISOString().slice(0, 19)}${m[2] ?? ''}`;
}

/**
 * The cursor parameter under the name the statement uses (`@lastSync`, or seed 001's `@ultimaSync`),
 * bound with the cursor column's own SQL type: on SQL Server 2016+ a `datetime` column compared
 * with a `datetime2` parameter is compared at full precision (.003 is really .00333…), so a row
 * exactly at the cursor would compare as smaller. A first run binds a typed NULL (`@x IS NULL`).
 */
export function cursorParams(statement: string, p: { type: ErpParamType; value: string | null }): Record<string, TypedParam> {
  const name = CURSOR_PARAM.exec(statement)?.[1] ?? 'lastSync';
  return { [name]: { type: p.type, value: p.value, ...(p.type === 'datetime2' || p.type === 'datetimeoffset' ? { scale: 7 } : {}) } };
}

/** The parameter type matching a cursor column's tedious type name (result metadata of the first run). */
export function cursorSqlTypeOf(tediousType: string): ErpParamType | undefined {
  const t = tediousType.toLowerCase().replace(/n$/, '');
  if (t === 'datetime' || t === 'smalldatetime') return 'datetime';
  if (t === 'datetime2' || t === 'date' || t === 'datetimeoffset' || t === 'bigint') return t;
  if (t === 'int' || t === 'smallint' || t === 'tinyint') return 'int';
  return undefined;
}
