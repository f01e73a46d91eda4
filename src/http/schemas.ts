/** zod schemas shared by routes: they validate requests and generate the OpenAPI document. */
import { z } from 'zod';

// The Hub-facing shapes are stated once, in the contract the typed client shares.
import { entityParam, errorBody as errorResponse, hubAction } from '../contract/hub-api.ts';

export { entityParam, errorResponse, hubAction };

export const syncId = z.uuid({ error: 'must be a sync_id (UUID)' });

/** The error responses every protected route can give, for the OpenAPI document. */
export const protectedErrors = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  404: errorResponse,
  413: errorResponse,
  415: errorResponse,
  429: errorResponse,
};

/** Payloads are JSON objects; nesting is bounded so a hostile body cannot exhaust the stack. */
const MAX_PAYLOAD_DEPTH = 16;
/** True when `v` nests no deeper than `limit` (iterative: a hostile body must not exhaust the stack here either). */
function withinDepth(v: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [node, d] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (d >= limit) return false;
    for (const child of Object.values(node as Record<string, unknown>)) stack.push([child, d + 1]);
  }
  return true;
}
export const payloadObject = z
  .record(z.string(), z.unknown())
  .refine((p) => withinDepth(p, MAX_PAYLOAD_DEPTH), `nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);

/** An integer a PostgreSQL `integer` (int4) column stores. */
export const int4 = z.number().int().min(-2_147_483_648).max(2_147_483_647);
/** A PostgreSQL `bigint` id as a decimal string (ids beyond int8 are refused, not sent to the database). */
const BIGINT_MAX = 9_223_372_036_854_775_807n;
export const isInt8Id = (s: string) => /^\d{1,19}$/.test(s) && BigInt(s) <= BIGINT_MAX;

/** True when `y-m-d` names a real calendar day in years 1…9999 (what a timestamp column accepts from us). */
function isStorableDate(y: number, m: number, d: number): boolean {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(2000, m, 0)).getUTCDate() - (m === 2 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 1 : 0);
}
/** True when a Date lies in years 1…9999 UTC. */
export const isStorableInstant = (d: Date) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999;

/** ISO 8601 instant with offset, in years 1…9999 and a real calendar day (no year 0, no 30 February). */
export const isoDateTime = z.iso.datetime({ offset: true }).refine((s) => {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  return isStorableDate(y, m, d) && isStorableInstant(new Date(s));
}, 'must be a real date in years 0001–9999');

export const SECURITY = [{ apiKey: [] as string[] }];
