/** zod schemas shared by routes: they validate requests and generate the OpenAPI document. */
import { z } from 'zod';
import { QUEUE_ACTIONS, QUEUE_STATUSES } from '../db/schema.ts';

/** `:entity` path segment: an identifier, case-insensitive, served upper-case (PROVEEDOR, ORDEN_COMPRA). */
export const entityParam = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'entity must be an identifier like PROVEEDOR or ORDEN_COMPRA')
  .transform((s) => s.toUpperCase());

export const syncId = z.uuid({ error: 'must be a sync_id (UUID)' });

export const errorResponse = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }),
  })
  .meta({ id: 'Error' });

/** The error responses every protected route can give, for the OpenAPI document. */
export const protectedErrors = {
  400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 413: errorResponse, 415: errorResponse, 429: errorResponse,
};

export const queueAction = z.enum(QUEUE_ACTIONS);
export const queueStatus = z.enum(QUEUE_STATUSES);
export const hubAction = z.enum(['CREATE', 'UPDATE', 'DELETE']);

/** Payloads are JSON objects; nesting is bounded so a hostile body cannot exhaust the stack. */
export const MAX_PAYLOAD_DEPTH = 16;
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

export const SECURITY = [{ apiKey: [] as string[] }];
