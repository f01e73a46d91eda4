/**
 * Field mapping and declarative transform rules (docs/config.md). Pure functions: a record in,
 * a new record out. A value a rule cannot convert raises TransformError naming the field, so the
 * record is reported instead of being stored wrong.
 */
import type { FieldMapping, TransformRule } from './entity-config-schema.ts';
import { normalizeDecimal, roundDecimal } from './decimal.ts';
import { fromWallTime, toZonedIso } from './timezone.ts';

export type Row = Record<string, unknown>;

export class TransformError extends Error {
  override readonly name = 'TransformError';
  readonly code = 'TRANSFORM_FAILED';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Renames columns by `mapping` (source → target); columns it does not name are dropped. No mapping: the row as is. */
export function mapFields(row: Row, mapping: Record<string, string> | undefined): Row {
  if (!mapping || Object.keys(mapping).length === 0) return { ...row };
  const out: Row = {};
  for (const [source, target] of Object.entries(mapping)) if (source in row) out[target] = row[source];
  return out;
}

/** Hub → ERP: header fields by `hub_to_erp`, lines (`items.from`) by `items.mapping`. */
export function mapHubToErp(payload: Row, mapping: FieldMapping): { header: Row; items: Row[] } {
  const header = mapFields(payload, mapping.hub_to_erp);
  const lines = mapping.items ? payload[mapping.items.from] : undefined;
  const items = Array.isArray(lines) ? lines.map((l) => mapFields((l ?? {}) as Row, mapping.items!.mapping)) : [];
  return { header, items };
}

const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

function toDate(v: unknown, timeZone: string, dateOnly: boolean | undefined, field: string): string {
  let iso: string;
  if (v instanceof Date) iso = toZonedIso(v, timeZone);
  else if (typeof v === 'string' && LOCAL_DATETIME.test(v.trim())) {
    const m = LOCAL_DATETIME.exec(v.trim())!;
    const wall = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
    // Wall time without a zone: the tenant's local time; sub-millisecond digits are kept as written.
    iso = toZonedIso(fromWallTime(wall, timeZone), timeZone, (m[7] ?? '').padEnd(3, '0'));
  } else if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) {
    const frac = /\.(\d+)/.exec(v)?.[1];
    iso = toZonedIso(new Date(v), timeZone, frac ? frac.padEnd(3, '0') : undefined);
  } else throw new TransformError(field, `cannot read ${JSON.stringify(v)} as a date`);
  return dateOnly ? iso.slice(0, 10) : iso;
}

function applyRule(out: Row, r: TransformRule, timeZone: string): void {
  const v = out[r.field];
  const isEmpty = v === null || v === undefined;
  switch (r.rule) {
    case 'trim': if (typeof v === 'string') out[r.field] = v.trim(); return;
    case 'upper': if (typeof v === 'string') out[r.field] = v.toUpperCase(); return;
    case 'lower': if (typeof v === 'string') out[r.field] = v.toLowerCase(); return;
    case 'null_if_empty': if (typeof v === 'string' && v.trim() === '') out[r.field] = null; return;
    case 'remove': delete out[r.field]; return;
    case 'default': if (isEmpty || v === '') out[r.field] = r.value; return;
    case 'number':
    case 'round': {
      if (isEmpty) return;
      const d = normalizeDecimal(v);
      if (d === undefined) throw new TransformError(r.field, `${JSON.stringify(v)} is not a number`);
      const digits = r.rule === 'round' ? r.digits : r.scale;
      out[r.field] = digits === undefined ? d : roundDecimal(d, digits);
      return;
    }
    case 'integer': {
      if (isEmpty) return;
      const d = normalizeDecimal(v);
      if (d === undefined || !/^-?\d+$/.test(d) || !Number.isSafeInteger(Number(d))) throw new TransformError(r.field, `${JSON.stringify(v)} is not an integer`);
      out[r.field] = Number(d);
      return;
    }
    case 'boolean': {
      if (isEmpty || typeof v === 'boolean') return;
      const truthy = (r.true_values ?? ['1', 'true', 's', 'si', 'sí', 'y', 'yes', 't']).map((s) => s.toLowerCase());
      out[r.field] = truthy.includes(String(v).trim().toLowerCase());
      return;
    }
    case 'date': if (!isEmpty) out[r.field] = toDate(v, r.timezone ?? timeZone, r.date_only, r.field); return;
    case 'map': {
      const key = String(v);
      if (Object.hasOwn(r.values, key)) out[r.field] = r.values[key];
      else if (r.default !== undefined) out[r.field] = r.default;
      return;
    }
    case 'regex_replace': if (typeof v === 'string') out[r.field] = v.replace(new RegExp(r.pattern, r.flags ?? 'g'), r.replacement); return;
    case 'concat': out[r.field] = r.fields.map((f) => out[f]).filter((x) => x !== null && x !== undefined && x !== '').join(r.separator ?? ' '); return;
    case 'substring': if (typeof v === 'string') out[r.field] = r.length === undefined ? v.slice(r.start) : v.slice(r.start, r.start + r.length); return;
  }
}

/** Applies the rules in order to a copy of `record`. */
export function applyTransforms(record: Row, rules: TransformRule[], ctx: { timeZone: string }): Row {
  const out = { ...record };
  for (const r of rules) applyRule(out, r, ctx.timeZone);
  return out;
}
