/** Seed 000 §2.3 — the Hub sends records to the ERP: single, batch, and status. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import type { QueueRow } from '../../db/schema.ts';
import type { EntityConfig } from '../../sync/entity-config.ts';
import type { EnqueueInput, SyncQueue } from '../../queue/sync-queue.ts';
import { tenantOf } from '../auth.ts';
import { createEntityConfigCache } from '../entity-config-cache.ts';
import { IdempotencyKeyReusedError } from '../../queue/errors.ts';
import { IdempotencyConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { checkOutboundPayload, type FieldIssue } from '../outbound-payload.ts';
import { acceptedResponse, outboundEntityId, statusResponse } from '../../contract/hub-api.ts';
import { entityParam, errorResponse, hubAction, payloadObject, protectedErrors, SECURITY } from '../schemas.ts';

const outboundBody = z.object({ entity_id: outboundEntityId, action: hubAction, payload: payloadObject }).strict();
const accepted = acceptedResponse;

function toEnqueue(
  { tenantId, entityType, idempotencyKey }: { tenantId: string; entityType: string; idempotencyKey?: string },
  b: z.infer<typeof outboundBody>,
): EnqueueInput {
  return {
    tenantId,
    source: 'HUB',
    destination: 'ERP',
    entityType,
    entityId: b.entity_id,
    action: b.action,
    payload: b.payload,
    idempotencyKey,
  };
}

export function statusView(row: QueueRow): z.infer<typeof statusResponse> {
  return {
    sync_id: row.id,
    status: row.status,
    external_id: row.external_id,
    error_message: row.error_message,
    retry_count: row.retry_count,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function registerOutboundRoutes(app: FastifyInstance, deps: { db: Executor; queue: SyncQueue }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const hub = { scopes: ['hub' as const] };
  const configs = createEntityConfigCache(deps);
  const requireConfig = async (tenantId: string, entity: string) => {
    const config = await configs.find(tenantId, entity, 'OUT');
    if (!config) throw new NotFoundError(`outbound entity ${entity}`);
    return config;
  };

  r.post(
    '/api/v1/sync/outbound/batch',
    {
      config: hub,
      schema: {
        summary: 'Send up to 1 000 records; all are validated first and enqueued in one transaction, or none',
        tags: ['outbound'],
        security: SECURITY,
        body: z
          .object({
            items: z
              .array(outboundBody.extend({ entity_type: entityParam }))
              .min(1)
              .max(1000),
          })
          .strict(),
        response: {
          202: z.object({ items: z.array(accepted.extend({ entity_type: z.string(), entity_id: z.string() })) }),
          ...protectedErrors,
        },
      },
    },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      const found = new Map<string, EntityConfig | undefined>();
      const errors: { index: number; errors: FieldIssue[] }[] = [];
      for (const [index, item] of req.body.items.entries()) {
        if (!found.has(item.entity_type)) found.set(item.entity_type, await configs.find(tenantId, item.entity_type, 'OUT'));
        const config = found.get(item.entity_type);
        const issues = config
          ? checkOutboundPayload(item, config, { payload: `items.${index}.payload`, action: `items.${index}.action` })
          : [{ path: `items.${index}.entity_type`, message: `${item.entity_type} is not configured for outbound sync` }];
        if (issues.length) errors.push({ index, errors: issues });
      }
      if (errors.length)
        throw new ValidationError(`${errors.length} of ${req.body.items.length} items are invalid; nothing was enqueued`, errors);
      const results = await deps.queue.enqueueMany(
        deps.db,
        req.body.items.map((i) => toEnqueue({ tenantId, entityType: i.entity_type }, i)),
      );
      return reply.status(202).send({
        items: results.map((res, n) => ({
          sync_id: res.id,
          status: res.status,
          entity_type: req.body.items[n]!.entity_type,
          entity_id: req.body.items[n]!.entity_id,
        })),
      });
    },
  );

  r.post(
    '/api/v1/sync/outbound/:entity',
    {
      config: hub,
      schema: {
        summary: 'Send one record to the ERP (Idempotency-Key makes retries safe)',
        tags: ['outbound'],
        security: SECURITY,
        params: z.object({ entity: entityParam }),
        headers: z.object({
          'idempotency-key': z
            .string()
            .min(1)
            .max(200)
            .regex(/^[\x21-\x7e]+$/, 'printable ASCII, no spaces')
            .optional(),
        }),
        body: outboundBody,
        response: { 200: accepted, 202: accepted, ...protectedErrors, 422: errorResponse },
        description: 'An Idempotency-Key reused with a different entity, action or payload answers 422 IDEMPOTENCY_KEY_REUSED.',
      },
    },
    async (req, reply) => {
      const tenantId = tenantOf(req);
      const config = await requireConfig(tenantId, req.params.entity);
      const issues = checkOutboundPayload(req.body, config);
      if (issues.length) throw new ValidationError(`invalid ${issues.map((i) => i.path).join(', ')}`, issues);
      let res;
      try {
        res = await deps.queue.enqueue(
          deps.db,
          toEnqueue({ tenantId, entityType: req.params.entity, idempotencyKey: req.headers['idempotency-key'] }, req.body),
        );
      } catch (err) {
        if (err instanceof IdempotencyKeyReusedError) throw new IdempotencyConflictError(err.message);
        throw err;
      }
      return reply.status(res.created ? 202 : 200).send({ sync_id: res.id, status: res.status });
    },
  );

  r.get(
    '/api/v1/sync/outbound/:entity/:id/status',
    {
      config: hub,
      schema: {
        summary: 'Status of a sent record, by sync_id or by the Hub’s entity id (latest item)',
        tags: ['outbound'],
        security: SECURITY,
        params: z.object({ entity: entityParam, id: z.string().min(1).max(200) }),
        response: { 200: statusResponse, ...protectedErrors },
      },
    },
    async (req) => {
      const row = await deps.queue.findOutboundItem(deps.db, { tenantId: tenantOf(req), entityType: req.params.entity, id: req.params.id });
      if (!row) throw new NotFoundError(`sync item ${req.params.id}`);
      return statusView(row);
    },
  );
}
