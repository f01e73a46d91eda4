/**
 * What a push handler throws to say what should happen next (the River idea of a worker
 * *returning* its verdict): RetryableError → RETRY after backoff; PermanentError → DEAD now.
 * Any other error is treated as retryable: an unknown failure deserves another try, and
 * max_retries bounds the cost.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly code: string = 'RETRYABLE';
}

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly code: string = 'PERMANENT';
}

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
