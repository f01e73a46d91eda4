/**
 * Field mapping and declarative transform rules (docs/config.md). Pure functions: a record in,
 * a new record out. A value a rule cannot convert raises TransformError naming the field, so the
 * record is reported instead of being stored wrong.
 *
 * Numbers stay exact decimal strings (`"1234.50"` is never `1234.5`): money must not pass through
 * a double, and the string keeps the ERP's scale so the payload hash does not flap.
 */
import { compileTenantPattern, type TenantPattern } from './tenant-pattern.ts';
import type { FieldMapping, TransformRule } from './entity-config-schema.ts';
import { normalizeDecimal, roundDecimal } from './decimal.ts';
import { fromWallTime, toZonedIso } from './timezone.ts';

export type Row = Record<string, unknown>;

/** A value a rule could not convert; `field` names it (code TRANSFORM_FAILED). */
export class TransformError extends Error {
  override readonly name = 'TransformError';
  readonly code = 'TRANSFORM_FAILED';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Own data property even for names like `__proto__` (field names come from configs, not code). */
function put(out: Row, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Renames columns by `mapping` (source → target); columns it does not name are dropped. No mapping: the row as is. */
export function mapFields(row: Row, mapping: Record<string, string> | undefined): Row {
  if (!mapping || Object.keys(mapping).length === 0) return { ...row };
  const out: Row = {};
  for (const [source, target] of Object.entries(mapping)) if (Object.hasOwn(row, source)) put(out, target, row[source]);
  return out;
}

/** Hub → ERP: header fields by `hub_to_erp`, lines (`items.from`) by `items.mapping`. */
export function mapHubToErp(payload: Row, mapping: FieldMapping): { header: Row; items: Row[] } {
  const header = mapFields(payload, mapping.hub_to_erp);
  const lines = mapping.items ? payload[mapping.items.from] : undefined;
  const items = Array.isArray(lines) ? lines.map((l) => mapFields((l ?? {}) as Row, mapping.items!.mapping)) : [];
  return { header, items };
}

/** A wall time without a zone (ERP `datetime`, `date`): read in the tenant's zone. Up to 9 fraction digits. */
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
/** An ISO-8601 instant: `Z` or a numeric offset. */
const ZONED_DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i;

function wallClock(m: RegExpExecArray, field: string, v: string): Date {
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const wall = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2026-02-30 over to March: a round trip catches impossible dates and times.
  if (wall.getUTCFullYear() !== y || wall.getUTCMonth() !== mo - 1 || wall.getUTCDate() !== d || wall.getUTCHours() !== h || wall.getUTCMinutes() !== mi || wall.getUTCSeconds() !== s) {
    throw new TransformError(field, `${JSON.stringify(v)} is not a valid date`);
  }
  return wall;
}

function toDate(v: unknown, timeZone: string, dateOnly: boolean | undefined, field: string): string {
  let iso: string;
  const text = typeof v === 'string' ? v.trim() : undefined;
  let m: RegExpExecArray | null;
  if (v instanceof Date && !Number.isNaN(v.getTime())) iso = toZonedIso(v, timeZone);
  else if (text !== undefined && (m = LOCAL_DATETIME.exec(text))) {
    const wall = wallClock(m, field, text);
    // Sub-millisecond digits (datetime2(7)) are kept as written, never rounded to ms.
    iso = toZonedIso(fromWallTime(wall, timeZone), timeZone, (m[7] ?? '').padEnd(3, '0'));
  } else if (text !== undefined && (m = ZONED_DATETIME.exec(text))) {
    const wall = wallClock(LOCAL_DATETIME.exec(m[1]!)!, field, text);
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(m[3]!);
    const offset = z ? (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) : 0;
    const instant = new Date(wall.getTime() + Number((m[2] ?? '').padEnd(3, '0').slice(0, 3)) - offset * 60_000);
    iso = toZonedIso(instant, timeZone, m[2] ? m[2].padEnd(3, '0') : undefined);
  } else {
    // Date.parse would accept "12" or "Mar 1"; an ERP value like that is a mapping mistake.
    throw new TransformError(field, `cannot read ${JSON.stringify(v)} as a date (expected ISO-8601, e.g. 2026-03-01 09:30:00)`);
  }
  return dateOnly ? iso.slice(0, 10) : iso;
}

const TRUE_VALUES = ['1', 'true', 't', 's', 'si', 'sí', 'y', 'yes', 'on'];
const FALSE_VALUES = ['0', 'false', 'f', 'n', 'no', 'off', ''];

function toBoolean(v: unknown, trueValues: string[] | undefined, field: string): boolean {
  const s = String(v).trim().toLowerCase();
  // With an explicit list the operator has said what "true" is: everything else is false.
  if (trueValues) return trueValues.some((t) => t.trim().toLowerCase() === s);
  if (TRUE_VALUES.includes(s)) return true;
  if (FALSE_VALUES.includes(s)) return false;
  throw new TransformError(field, `${JSON.stringify(v)} is not a boolean (S/N, 1/0, true/false; or set true_values)`);
}

/** Compiled once per rule object: a pull applies the same rules to every row. */
const compiled = new WeakMap<object, TenantPattern>();
function regexOf(r: Extract<TransformRule, { rule: 'regex_replace' }>): TenantPattern {
  let re = compiled.get(r);
  if (!re) compiled.set(r, (re = compileTenantPattern(r.pattern, r.flags ?? 'g')));
  return re;
}

function applyRule(out: Row, r: TransformRule, timeZone: string): void {
  const v = out[r.field];
  const isEmpty = v === null || v === undefined;
  switch (r.rule) {
    case 'trim': if (typeof v === 'string') put(out, r.field, v.trim()); return;
    case 'upper': if (typeof v === 'string') put(out, r.field, v.toUpperCase()); return;
    case 'lower': if (typeof v === 'string') put(out, r.field, v.toLowerCase()); return;
    case 'null_if_empty': if (typeof v === 'string' && v.trim() === '') put(out, r.field, null); return;
    case 'remove': delete out[r.field]; return;
    case 'default': if (isEmpty || v === '') put(out, r.field, r.value); return;
    case 'number':
    case 'round': {
      if (isEmpty) return;
      const d = normalizeDecimal(v);
      if (d === undefined) throw new TransformError(r.field, `${JSON.stringify(v)} is not a number`);
      const digits = r.rule === 'round' ? r.digits : r.scale;
      put(out, r.field, digits === undefined ? d : roundDecimal(d, digits));
      return;
    }
    case 'integer': {
      if (isEmpty) return;
      const d = normalizeDecimal(v);
      // "12.00" is an integer written with a scale (DECIMAL(12,2) quantities); "12.5" is not.
      if (d === undefined || !/^-?\d+(\.0*)?$/.test(d) || !Number.isSafeInteger(Number(d))) throw new TransformError(r.field, `${JSON.stringify(v)} is not an integer`);
      put(out, r.field, Number(d));
      return;
    }
    case 'boolean': if (!isEmpty && typeof v !== 'boolean') put(out, r.field, toBoolean(v, r.true_values, r.field)); return;
    case 'date': if (!isEmpty) put(out, r.field, toDate(v, r.timezone ?? timeZone, r.date_only, r.field)); return;
    case 'map': {
      const key = String(v);
      if (Object.hasOwn(r.values, key)) put(out, r.field, r.values[key]);
      else if (r.default !== undefined) put(out, r.field, r.default);
      return;
    }
    case 'regex_replace': if (typeof v === 'string') put(out, r.field, regexOf(r).replace(v, r.replacement)); return;
    case 'concat': put(out, r.field, r.fields.map((f) => out[f]).filter((x) => x !== null && x !== undefined && x !== '').join(r.separator ?? ' ')); return;
    case 'substring': if (typeof v === 'string') put(out, r.field, r.length === undefined ? v.slice(r.start) : v.slice(r.start, r.start + r.length)); return;
  }
}

/**
 * Applies the rules in order to a copy of `record`. `timeZone` (IANA) is the tenant's: zone-less
 * dates are read as its wall clock and every date is emitted with its offset.
 */
export function applyTransforms(record: Row, rules: readonly TransformRule[], ctx: { timeZone: string }): Row {
  const out = { ...record };
  for (const r of rules) applyRule(out, r, ctx.timeZone);
  return out;
}
