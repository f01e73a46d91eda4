/** `parse-sync/client`: everything a Hub developer imports. */
export {
  createHubClient,
  HubApiError,
  type HubClient,
  type HubClientOptions,
  type InboundDelivery,
  type OutboundDocument,
  type EntitySchema,
} from './hub-client.ts';
export { verifyWebhook, WebhookVerificationError, WEBHOOK_TOLERANCE_SECONDS } from './verify-webhook.ts';
export type { WebhookEventBody, WebhookEventType, WebhookEventData } from '../contract/webhook-events.ts';
export type { InboundItem, LeaseResponse, AckResponse, AcceptedResponse, StatusResponse, PendingResponse } from '../contract/hub-api.ts';
