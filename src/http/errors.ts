/**
 * Domain errors with stable codes, mapped to HTTP once (see error-handler.ts).
 * Every error response is `{ success: false, error: { code, message, details } }`.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, details?: unknown) {
    super(404, 'NOT_FOUND', `${what} not found`, details);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid X-API-Key header') {
    super(401, 'UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, 'FORBIDDEN', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'CONFLICT', message, details);
  }
}

/** A per-tenant cap (rows per upload, configs per tenant, schedule frequency); the message names the variable. */
export class LimitExceededError extends AppError {
  constructor(statusCode: 400 | 413, message: string, details?: unknown) {
    super(statusCode, 'LIMIT_EXCEEDED', message, details);
  }
}

/** An Idempotency-Key already used for a different request (Stripe's rule): 422, nothing enqueued. */
export class IdempotencyConflictError extends AppError {
  constructor(message: string) {
    super(422, 'IDEMPOTENCY_KEY_REUSED', message);
  }
}

export interface ErrorBody {
  success: false;
  error: { code: string; message: string; details: unknown };
}

export function errorBody(code: string, message: string, details: unknown = null): ErrorBody {
  return { success: false, error: { code, message, details } };
}
