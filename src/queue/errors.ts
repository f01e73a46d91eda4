// What a push handler throws to say what happens next (RETRY or DEAD) is in src/core/failure.ts.

/** No queue item with that id for that tenant (another tenant's id looks exactly the same). */
export class QueueItemNotFoundError extends Error {
  override readonly name = 'QueueItemNotFoundError';
  readonly code = 'QUEUE_ITEM_NOT_FOUND';
}

/** A manual retry of an item that is not DEAD or FAILED. */
export class QueueItemNotRetryableError extends Error {
  override readonly name = 'QueueItemNotRetryableError';
  readonly code = 'QUEUE_ITEM_NOT_RETRYABLE';
}

/** An idempotency key already used by an item with another entity, action or payload. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
}
