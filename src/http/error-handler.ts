import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { QueueItemNotFoundError, QueueItemNotRetryableError } from '../queue/errors.ts';
import { AppError, errorBody } from './errors.ts';
import { TenantBusyError } from '../sync/tenant-limits.ts';

/** Errors of the layers below the HTTP API → status and stable code, stated once. */
const DOMAIN_ERRORS: { type: abstract new (...args: never[]) => Error; status: number; code: string }[] = [
  { type: QueueItemNotFoundError, status: 404, code: 'NOT_FOUND' },
  { type: QueueItemNotRetryableError, status: 409, code: 'CONFLICT' },
];

/** Fastify's own client-error codes → our stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_BODY' },
};

/** Maps every thrown error to the one JSON error shape; a 500 carries the request id and nothing internal. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.details ?? null));
    }
    const domain = DOMAIN_ERRORS.find((d) => err instanceof d.type);
    if (domain) return reply.status(domain.status).send(errorBody(domain.code, err.message));
    if (err instanceof ZodError) {
      const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return reply
        .status(400)
        .send(errorBody('VALIDATION_FAILED', `invalid request: ${details.map((d) => d.path || '(root)').join(', ')}`, details));
    }
    // A tenant at one of its limits (src/sync/tenant-limits.ts): 429 with the wait in Retry-After.
    if (err instanceof TenantBusyError) {
      return reply.status(429).header('retry-after', String(err.retryAfterSeconds)).send(errorBody(err.code, err.message));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const details = fe.validation.map((v) => ({
        path: `${fe.validationContext ?? ''}${v.instancePath}`.replace(/\//g, '.'),
        message: v.message,
      }));
      return reply.status(400).send(errorBody('VALIDATION_FAILED', fe.message, details));
    }
    const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (known) return reply.status(known.status).send(errorBody(known.code, fe.message));
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(errorBody(fe.code ?? 'BAD_REQUEST', fe.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(errorBody('INTERNAL', `internal error; quote request id ${req.id} when reporting it`, { request_id: req.id }));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}
