/** Seed 000 §2.2 — the Hub pulls ERP data: pending counts, leases, acknowledgements. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import { pendingHubEntities } from '../../queue/status.ts';
import type { SyncQueue } from '../../queue/sync-queue.ts';
import { tenantOf } from '../auth.ts';
import { createEntityConfigCache } from '../entity-config-cache.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { ackBody, ackResponse, leaseQuery, leaseResponse, pendingResponse } from '../../contract/hub-api.ts';
import { entityParam, protectedErrors, SECURITY } from '../schemas.ts';

export function registerInboundRoutes(app: FastifyInstance, deps: { db: Executor; queue: SyncQueue }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const hub = { scopes: ['hub' as const] };
  const configs = createEntityConfigCache(deps);
  const requireInbound = async (tenantId: string, entity: string) => {
    if (!(await configs.find(tenantId, entity, 'IN'))) throw new NotFoundError(`inbound entity ${entity}`);
  };

  r.get(
    '/api/v1/sync/inbound/pending',
    {
      config: hub,
      schema: {
        summary: 'Entity types with items waiting for the Hub',
        tags: ['inbound'],
        security: SECURITY,
        response: { 200: pendingResponse, ...protectedErrors },
      },
    },
    async (req) => {
      const rows = await pendingHubEntities(deps.db, tenantOf(req));
      return {
        entities: rows.map((r) => ({ entity_type: r.entityType, count: r.count, oldest_created_at: r.oldest.toISOString() })),
      };
    },
  );

  r.get(
    '/api/v1/sync/inbound/:entity',
    {
      config: hub,
      // Leasing changes state: no automatic HEAD twin (a HEAD would lease and lose the items' bodies).
      exposeHeadRoute: false,
      schema: {
        summary: 'Lease pending items of one entity type (un-acked items return after the lease)',
        tags: ['inbound'],
        security: SECURITY,
        params: z.object({ entity: entityParam }),
        querystring: leaseQuery,
        response: { 200: leaseResponse, ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      if (req.method !== 'GET') throw new AppError(405, 'METHOD_NOT_ALLOWED', 'only GET leases items');
      await requireInbound(tenantId, req.params.entity);
      const { items, leaseExpiresAt } = await deps.queue.dequeue(deps.db, tenantId, 'HUB', req.params.entity, {
        limit: req.query.limit,
        leaseSeconds: req.query.lease_seconds,
      });
      return {
        items: items.map((i) => ({
          sync_id: i.id,
          entity_type: i.entity_type,
          entity_id: i.entity_id,
          action: i.action,
          version: i.data_version ?? 1,
          payload: i.payload,
          created_at: i.created_at.toISOString(),
        })),
        lease_expires_at: leaseExpiresAt.toISOString(),
      };
    },
  );

  r.post(
    '/api/v1/sync/inbound/:entity/ack',
    {
      config: hub,
      schema: {
        summary: 'Acknowledge leased items (completed, or failed with a reason)',
        tags: ['inbound'],
        security: SECURITY,
        params: z.object({ entity: entityParam }),
        body: ackBody,
        response: { 200: ackResponse, ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      await requireInbound(tenantId, req.params.entity);
      const r = await deps.queue.acknowledge(
        deps.db,
        tenantId,
        [
          ...req.body.ids.map((id) => ({ id, status: 'COMPLETED' as const })),
          ...(req.body.failed ?? []).map((f) => ({ id: f.id, status: 'FAILED' as const, error: f.error })),
        ],
        { destination: 'HUB', entityType: req.params.entity },
      );
      return { acknowledged: r.acknowledged.length, failed: r.failed.length, unknown: r.unknown };
    },
  );
}
