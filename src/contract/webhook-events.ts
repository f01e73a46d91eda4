/**
 * The events parse-sync POSTs to the Hub (Standard Webhooks): one schema per type, used by the
 * server to type what it emits, by the OpenAPI document's `webhooks`, and by the client's
 * `verifyWebhook`. Every body is `{ type, timestamp, data }`.
 */
import { z } from 'zod';

const event = <T extends string, D extends z.ZodRawShape>(type: T, data: D, description: string) =>
  z.object({ type: z.literal(type), timestamp: z.string(), data: z.object(data) }).meta({ description });

export const syncCompletedEvent = event(
  'sync.completed',
  { sync_id: z.string(), entity_type: z.string(), entity_id: z.string(), external_id: z.string().nullable() },
  'A document the Hub sent was written to the ERP; external_id is the ERP’s id of it.',
);
export const syncFailedEvent = event(
  'sync.failed',
  { sync_id: z.string(), entity_type: z.string(), entity_id: z.string(), error: z.string().nullable() },
  'A document the Hub sent ended DEAD (permanent error or attempts exhausted); it can be retried.',
);
export const inboundAvailableEvent = event(
  'inbound.available',
  { entity_type: z.string(), count: z.number().int() },
  'A pull queued changes for the Hub: lease them from GET /api/v1/sync/inbound/{entity}.',
);

export const inboundDeadEvent = event(
  'inbound.dead',
  { sync_id: z.string(), entity_type: z.string(), entity_id: z.string(), action: z.string(), leases: z.number().int(), error: z.string() },
  'An item for the Hub went DEAD: its leases kept expiring without an acknowledgement. Operators list it (GET /api/v1/sync/dead) and retry it.',
);
/** What an alert can be about (the worker evaluates each; docs/operations.md). */
export const ALERT_KINDS = ['pull_failing', 'entity_late', 'dead_items', 'queue_old', 'queue_large', 'agent_silent'] as const;
const alertData = {
  alert_id: z.string(),
  kind: z.enum(ALERT_KINDS),
  entity_type: z.string().nullable(),
  detail: z.string(),
  raised_at: z.string(),
};
export const alertRaisedEvent = event(
  'alert.raised',
  alertData,
  'An alert opened for the tenant (docs/operations.md lists the kinds); raised once.',
);
export const alertResolvedEvent = event(
  'alert.resolved',
  { ...alertData, resolved_at: z.string() },
  'An open alert’s condition cleared; resolved once.',
);

export const webhookEvent = z.discriminatedUnion('type', [
  syncCompletedEvent,
  syncFailedEvent,
  inboundAvailableEvent,
  inboundDeadEvent,
  alertRaisedEvent,
  alertResolvedEvent,
]);
export type WebhookEventBody = z.infer<typeof webhookEvent>;
export const WEBHOOK_EVENT_TYPES = webhookEvent.options.map((o) => o.shape.type.value);
export type WebhookEventType = WebhookEventBody['type'];
/** The `data` of one event type. */
export type WebhookEventData<T extends WebhookEventType> = Extract<WebhookEventBody, { type: T }>['data'];
