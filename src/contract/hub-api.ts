/**
 * The Hub-facing API's shapes, stated once: the server's routes validate with these zod schemas
 * (and the OpenAPI document is generated from them), and the typed client (src/client) derives
 * its types from the same objects. Nothing here touches the server's internals.
 */
import { z } from 'zod';

/** `:entity` path segment: an identifier, case-insensitive, served upper-case (PROVEEDOR, ORDEN_COMPRA). */
export const entityParam = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, 'entity must be an identifier like PROVEEDOR or ORDEN_COMPRA')
  .transform((s) => s.toUpperCase());

export const hubAction = z.enum(['CREATE', 'UPDATE', 'DELETE']);

export const errorBody = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }),
  })
  .meta({ id: 'Error' });

export const pendingResponse = z.object({
  entities: z.array(z.object({ entity_type: z.string(), count: z.number().int(), oldest_created_at: z.string() })),
});

export const inboundItem = z.object({
  sync_id: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  action: z.string(),
  version: z.number().int(),
  payload: z.unknown(),
  created_at: z.string(),
});

export const leaseQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  lease_seconds: z.coerce.number().int().min(5).max(86_400).default(300),
});

export const leaseResponse = z.object({ items: z.array(inboundItem), lease_expires_at: z.string() });

export const ackBody = z
  .object({
    ids: z.array(z.string().max(100)).max(1000).default([]),
    failed: z
      .array(z.object({ id: z.string().max(100), error: z.string().min(1).max(2000) }))
      .max(1000)
      .optional(),
  })
  .strict();

export const ackResponse = z.object({ acknowledged: z.number().int(), failed: z.number().int(), unknown: z.array(z.string()) });

export const outboundEntityId = z.string().min(1).max(200);

export const acceptedResponse = z.object({ sync_id: z.string(), status: z.string() });

export const statusResponse = z.object({
  sync_id: z.string(),
  status: z.string(),
  external_id: z.string().nullable(),
  error_message: z.string().nullable(),
  retry_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

const hubFieldType = z.enum(['string', 'decimal', 'integer', 'boolean', 'date', 'date-time', 'array', 'unknown']);
const hubField = z.object({
  name: z.string(),
  type: hubFieldType,
  fields: z.array(z.object({ name: z.string(), type: hubFieldType })).optional(),
});

/** Schema discovery: `receives` for an inbound entity, `sends` for an outbound one (null when it does not flow that way). */
export const entitySchemaResponse = z.object({
  entity_type: z.string(),
  receives: z.array(hubField).nullable(),
  sends: z.array(hubField).nullable(),
});

export type EntitySchema = z.infer<typeof entitySchemaResponse>;
export type PendingResponse = z.infer<typeof pendingResponse>;
export type InboundItem = z.infer<typeof inboundItem>;
export type LeaseResponse = z.infer<typeof leaseResponse>;
export type AckBody = z.input<typeof ackBody>;
export type AckResponse = z.infer<typeof ackResponse>;
export type AcceptedResponse = z.infer<typeof acceptedResponse>;
export type StatusResponse = z.infer<typeof statusResponse>;
export type ErrorBody = z.infer<typeof errorBody>;
