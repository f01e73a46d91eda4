import { hash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (recursively), no whitespace, values
 * serialised exactly as JSON.stringify would (so this is the RFC 8785 ordering for the values a
 * payload holds: strings, exact-decimal strings, booleans, null, safe integers). The same record
 * therefore always hashes the same, whatever order the ERP returned its columns in.
 *
 * Like JSON.stringify: `undefined` members are dropped (`null` in arrays), `toJSON` is honoured
 * (a Date becomes its ISO string, not `{}`), non-finite numbers become `null`, a bigint throws.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON(): unknown }).toJSON());
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Built by concatenation, without an array per entry (entries/filter/sort/map/join): this runs
  // once per ingested record, and its garbage was a sixth of what the ingest allocates per row.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out += (i ? ',' : '') + (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v));
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const order = sortedKeys(keys);
  let out = '';
  for (let i = 0; i < order.length; i++) {
    const v = obj[keys[order[i]!]!];
    if (v === undefined || typeof v === 'function') continue;
    out += (out ? ',' : '') + order.prefixes[i] + canonicalJson(v);
  }
  return '{' + out + '}';
}

/** An object's key positions in canonical order, with each key's `"key":` text. */
type KeyOrder = number[] & { prefixes: string[] };
/**
 * The order of the last key list seen: the records of one pull share their keys (in the same
 * order, as the mapping builds them), so sorting and quoting them once serves the whole batch.
 */
let lastKeys: string[] = [];
let lastOrder: KeyOrder = Object.assign([], { prefixes: [] });

function sortedKeys(keys: string[]): KeyOrder {
  if (keys.length === lastKeys.length && keys.every((k, i) => k === lastKeys[i])) return lastOrder;
  // The default comparison of two strings is by UTF-16 code units.
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  lastKeys = keys;
  lastOrder = Object.assign(order, { prefixes: order.map((i) => JSON.stringify(keys[i]) + ':') });
  return lastOrder;
}

/** sync_data.payload_hash: SHA-256 (lower-case hex, 64 characters) of the canonical JSON. */
export function payloadHash(value: unknown): string {
  return canonicalHash(canonicalJson(value));
}

/** payloadHash of a value whose canonical JSON is already at hand (the ingest stores that same text). */
export function canonicalHash(json: string): string {
  // One-shot: no Hash object per record (creating one cost more than hashing a payload).
  return hash('sha256', json, 'hex');
}
