import { createHash } from 'node:crypto';

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
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sync_data.payload_hash: SHA-256 (lower-case hex, 64 characters) of the canonical JSON. */
export function payloadHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
