/**
 * Hub → ERP through the site agent (mode = agent): the agent leases its tenant's ERP-bound items,
 * each with the statements and bound values the worker would use, writes them with the same
 * find_existing + header + lines transaction (sync/push-erp.ts), and acknowledges each with the
 * ERP id or SQL Server's error. Outcomes are settled exactly as the worker settles its own.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { findEntityConfig } from '../../db/entity-configs.ts';
import { findErpConnection } from '../../db/erp-connections.ts';
import type { Database } from '../../db/schema.ts';
import { lockLeased, statusesOf } from '../../queue/lease.ts';
import type { PushOutcome } from '../../queue/push-worker.ts';
import type { SyncQueue } from '../../queue/sync-queue.ts';
import { prepareErpDocument, recordErpSync } from '../../sync/push-erp.ts';
import { ConflictError } from '../errors.ts';
import { protectedErrors, SECURITY } from '../schemas.ts';
import { agentTenant } from './agent.ts';

const tenantParam = z.object({ tenantId: z.string().min(1).max(63) });

const leasedItem = z.object({
  sync_id: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  action: z.string(),
  attempt: z.number().int(),
  document: z.object({
    action: z.string(),
    queries: z.object({
      find_existing: z.string().optional(),
      insert: z.string().optional(),
      insert_item: z.string().optional(),
      update: z.string().optional(),
      update_items: z.literal('replace').optional(),
      delete: z.string().optional(),
      delete_items: z.string().optional(),
    }),
    header: z.record(z.string(), z.unknown()),
    items: z.array(z.record(z.string(), z.unknown())),
    sent_lines: z.boolean(),
  }),
});

const ackResult = z.union([
  z
    .object({
      // null: a DELETE of a document the ERP did not have.
      sync_id: z.uuid(),
      erp_id: z.string().min(1).max(200).nullable(),
      already_existed: z.boolean().optional(),
      updated: z.boolean().optional(),
      lines: z.number().int().min(0).optional(),
      deleted: z.number().int().min(0).optional(),
    })
    .strict(),
  z
    .object({
      sync_id: z.uuid(),
      error: z.object({ number: z.number().int().optional(), message: z.string().min(1).max(4000), retryable: z.boolean() }).strict(),
    })
    .strict(),
]);

export function registerAgentOutboundRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; queue: SyncQueue }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const agent = { scopes: ['agent' as const] };

  /** Only a tenant in mode = agent: otherwise the worker writes the same items and both would. */
  const requireAgentMode = async (tenantId: string) => {
    const mode = (await findErpConnection(deps.db, tenantId))?.mode;
    if (mode !== 'agent')
      throw new ConflictError(
        `the ERP of tenant ${tenantId} is in mode '${mode ?? 'none'}': the worker writes it (admin erp set … --mode agent hands it to the agent)`,
      );
  };

  r.post(
    '/api/sync/outbound/:tenantId/lease',
    {
      config: agent,
      schema: {
        summary: 'Lease the tenant’s ERP-bound documents (mode = agent); un-acknowledged ones return after the lease',
        tags: ['agent'],
        security: SECURITY,
        params: tenantParam,
        body: z
          .object({ limit: z.number().int().min(1).max(100).default(20), lease_seconds: z.number().int().min(10).max(3600).default(300) })
          .strict(),
        response: {
          200: z.object({ success: z.literal(true), items: z.array(leasedItem), lease_expires_at: z.string() }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = agentTenant(req);
      await requireAgentMode(tenantId);
      return deps.db.transaction().execute(async (trx) => {
        const { items, leaseExpiresAt } = await deps.queue.dequeue(trx, tenantId, 'ERP', undefined, {
          limit: req.body.limit,
          leaseSeconds: req.body.lease_seconds,
          includeRetry: true,
        });
        const leased: z.infer<typeof leasedItem>[] = [];
        const unusable: PushOutcome[] = [];
        for (const item of items) {
          try {
            const { document } = await prepareErpDocument(trx, item);
            leased.push({
              sync_id: item.id,
              entity_type: item.entity_type,
              entity_id: item.entity_id,
              action: item.action,
              attempt: item.retry_count + 1,
              document: {
                action: document.action,
                queries: document.queries,
                header: document.header,
                items: document.items,
                sent_lines: document.sentLines,
              },
            });
          } catch (error) {
            // Not configured, a bad mapping: settled here exactly as the worker would (DEAD or RETRY), never sent.
            unusable.push({ row: item, ms: 0, error });
          }
        }
        if (unusable.length) await deps.queue.settle(trx, unusable);
        return { success: true as const, items: leased, lease_expires_at: leaseExpiresAt.toISOString() };
      });
    },
  );

  r.post(
    '/api/sync/outbound/:tenantId/ack',
    {
      config: agent,
      schema: {
        summary: 'Acknowledge leased documents: the ERP id (COMPLETED) or SQL Server’s error (RETRY with backoff, or DEAD)',
        tags: ['agent'],
        security: SECURITY,
        params: tenantParam,
        body: z.object({ results: z.array(ackResult).min(1).max(100) }).strict(),
        response: {
          200: z.object({
            success: z.literal(true),
            results: z.array(z.object({ sync_id: z.string(), status: z.string() })),
            unknown: z.array(z.string()),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = agentTenant(req);
      const ids = req.body.results.map((x) => x.sync_id);
      return deps.db.transaction().execute(async (trx) => {
        const rows = new Map((await lockLeased(trx, tenantId, 'ERP', ids)).map((row) => [row.id, row]));
        const outcomes: PushOutcome[] = [];
        for (const result of req.body.results) {
          const row = rows.get(result.sync_id);
          if (!row) continue;
          rows.delete(result.sync_id); // a repeated id counts once
          const startedAt = row.started_at ?? undefined;
          const ms = startedAt ? Date.now() - startedAt.getTime() : 0;
          if ('erp_id' in result) {
            const written = {
              id: result.erp_id,
              existed: result.already_existed ?? false,
              lines: result.lines ?? 0,
              updated: result.updated,
              deleted: result.deleted,
            };
            const config = await findEntityConfig(trx, { tenantId, entityType: row.entity_type, flow: 'OUT' });
            const recorded = config
              ? await recordErpSync(trx, { item: row, config, written })
              : { externalId: written.id, response: { erp_id: written.id, already_existed: written.existed } };
            outcomes.push({ row, startedAt, ms, result: { ...recorded, response: { ...(recorded.response as object), via: 'agent' } } });
          } else {
            const e = result.error;
            const message =
              e.number === undefined || e.message.includes(String(e.number)) ? e.message : `SQL Server error ${e.number}: ${e.message}`;
            outcomes.push({ row, startedAt, ms, error: Object.assign(new Error(message), { retryable: e.retryable }) });
          }
        }
        await deps.queue.settle(trx, outcomes);
        const status = await statusesOf(
          trx,
          outcomes.map((o) => o.row.id),
        );
        return {
          success: true as const,
          results: outcomes.map((o) => ({ sync_id: o.row.id, status: status.get(o.row.id)! })),
          unknown: ids.filter((id) => !status.has(id)),
        };
      });
    },
  );
}
