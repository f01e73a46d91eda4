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
import { normalizeDecimal, roundDecimal } from '../core/decimal.ts';
import { fromWallTime, toZonedIso } from '../core/timezone.ts';
import { instantOf, parseWallClock, type WallClock } from '../core/wall-clock.ts';

export type Row = Record<string, unknown>;

/** A value a rule could not convert; `field` names it (code TRANSFORM_FAILED). */
export class TransformError extends Error {
  override readonly name = 'TransformError';
  readonly code = 'TRANSFORM_FAILED';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/**
 * Own data property even for `__proto__` (field names come from configs, not code). Only that name
 * needs defineProperty — a plain object inherits no other setter — and defineProperty on every
 * field was a tenth of the ingest's CPU.
 */
function put(out: Row, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** A config's mapping as pairs, computed once per mapping object rather than once per record. */
const mappingPairs = new WeakMap<Record<string, string>, [string, string][]>();

/** Renames columns by `mapping` (source → target); columns it does not name are dropped. No mapping: the row as is. */
export function mapFields(row: Row, mapping: Record<string, string> | undefined): Row {
  let pairs = mapping && mappingPairs.get(mapping);
  if (mapping && !pairs) mappingPairs.set(mapping, (pairs = Object.entries(mapping)));
  if (!pairs || pairs.length === 0) return { ...row };
  const out: Row = {};
  for (const [source, target] of pairs) if (Object.hasOwn(row, source)) put(out, target, row[source]);
  return out;
}

/** Hub → ERP: header fields by `hub_to_erp`, lines (`items.from`) by `items.mapping`. */
export function mapHubToErp(payload: Row, mapping: FieldMapping): { header: Row; items: Row[] } {
  const header = mapFields(payload, mapping.hub_to_erp);
  const lines = mapping.items ? payload[mapping.items.from] : undefined;
  const items = Array.isArray(lines) ? lines.map((l) => mapFields((l ?? {}) as Row, mapping.items!.mapping)) : [];
  return { header, items };
}

function toDate(v: unknown, o: { timeZone: string; dateOnly: boolean | undefined; field: string }): string {
  const { timeZone, dateOnly, field } = o;
  let iso: string;
  if (v instanceof Date && !Number.isNaN(v.getTime())) iso = toZonedIso(v, timeZone);
  else {
    let c: WallClock | undefined;
    try {
      c = typeof v === 'string' ? parseWallClock(v) : undefined;
    } catch (e) {
      throw new TransformError(field, (e as Error).message);
    }
    // Date.parse would accept "12" or "Mar 1"; an ERP value like that is a mapping mistake.
    if (!c) throw new TransformError(field, `cannot read ${JSON.stringify(v)} as a date (expected ISO-8601, e.g. 2026-03-01 09:30:00)`);
    // A wall time without a zone (ERP `datetime`, `date`) is read in the tenant's zone. Sub-millisecond
    // digits (datetime2(7)) are kept as written, never rounded to ms.
    iso = toZonedIso(c.offsetMinutes === undefined ? fromWallTime(c.wall, timeZone) : instantOf(c), timeZone, c.fraction.padEnd(3, '0'));
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
    case 'trim':
      if (typeof v === 'string') put(out, r.field, v.trim());
      return;
    case 'upper':
      if (typeof v === 'string') put(out, r.field, v.toUpperCase());
      return;
    case 'lower':
      if (typeof v === 'string') put(out, r.field, v.toLowerCase());
      return;
    case 'null_if_empty':
      if (typeof v === 'string' && v.trim() === '') put(out, r.field, null);
      return;
    case 'remove':
      delete out[r.field];
      return;
    case 'default':
      if (isEmpty || v === '') put(out, r.field, r.value);
      return;
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
      if (d === undefined || !/^-?\d+(\.0*)?$/.test(d) || !Number.isSafeInteger(Number(d)))
        throw new TransformError(r.field, `${JSON.stringify(v)} is not an integer`);
      put(out, r.field, Number(d));
      return;
    }
    case 'boolean':
      if (!isEmpty && typeof v !== 'boolean') put(out, r.field, toBoolean(v, r.true_values, r.field));
      return;
    case 'date':
      if (!isEmpty) put(out, r.field, toDate(v, { timeZone: r.timezone ?? timeZone, dateOnly: r.date_only, field: r.field }));
      return;
    case 'map': {
      const key = String(v);
      if (Object.hasOwn(r.values, key)) put(out, r.field, r.values[key]);
      else if (r.default !== undefined) put(out, r.field, r.default);
      return;
    }
    case 'regex_replace':
      if (typeof v === 'string') put(out, r.field, regexOf(r).replace(v, r.replacement));
      return;
    case 'concat':
      put(
        out,
        r.field,
        r.fields
          .map((f) => out[f])
          .filter((x) => x !== null && x !== undefined && x !== '')
          .join(r.separator ?? ' '),
      );
      return;
    case 'substring':
      if (typeof v === 'string') put(out, r.field, r.length === undefined ? v.slice(r.start) : v.slice(r.start, r.start + r.length));
      return;
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
