/** Seed 000 §2.5 — operators: stats, logs, manual retry. Scope `admin`, always within the key's tenant. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import { LOG_STATUSES } from '../../db/schema.ts';
import { listLogs } from '../../db/sync-log.ts';
import { listSyncStates } from '../../db/sync-state.ts';
import { oldestWaitingAgeSeconds, queueCounts } from '../../queue/status.ts';
import type { SyncQueue } from '../../queue/sync-queue.ts';
import { tenantOf } from '../auth.ts';
import { statusResponse } from '../../contract/hub-api.ts';
import { ValidationError } from '../errors.ts';
import { entityParam, isInt8Id, isoDateTime, isStorableInstant, protectedErrors, SECURITY } from '../schemas.ts';
import { statusView } from './outbound.ts';

/** Opaque keyset cursor: the (created_at, id) of the last row of the previous page. */
const encodeCursor = (createdAt: Date, id: string) => Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !isInt8Id(id) || !isStorableInstant(createdAt))
    throw new ValidationError('invalid cursor', [{ path: 'querystring.cursor', message: 'not a cursor returned by this endpoint' }]);
  return { createdAt, id };
}

const logItem = z.object({
  id: z.string(),
  sync_queue_id: z.string().nullable(),
  entity_type: z.string().nullable(),
  entity_id: z.string().nullable(),
  action: z.string(),
  direction: z.string(),
  status: z.string(),
  message: z.string().nullable(),
  duration_ms: z.number().nullable(),
  phase: z.string().nullable(),
  executed_on: z.string().nullable(),
  rows_affected: z.number().nullable(),
  error_detail: z.string().nullable(),
  request_payload: z.unknown(),
  response_data: z.unknown(),
  metadata: z.unknown(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  created_at: z.string(),
});

export function registerAdminRoutes(app: FastifyInstance, deps: { db: Executor; queue: SyncQueue }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { scopes: ['admin' as const] };

  r.get(
    '/api/v1/sync/stats',
    {
      config: admin,
      schema: {
        summary: 'Queue counts per entity and status, oldest pending age, dead items, last sync per entity',
        tags: ['admin'],
        security: SECURITY,
        response: {
          200: z.object({
            queue: z.array(z.object({ entity_type: z.string(), destination: z.string(), status: z.string(), count: z.number().int() })),
            oldest_pending_age_seconds: z.number().nullable(),
            dead: z.number().int(),
            last_sync: z.array(
              z.object({
                entity_type: z.string(),
                erp_type: z.string(),
                direction: z.string(),
                last_sync_at: z.string().nullable(),
                total_synced: z.number(),
                last_batch_size: z.number().int(),
                last_error: z.string().nullable(),
              }),
            ),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const queue = await queueCounts(deps.db, tenantId);
      const oldest = await oldestWaitingAgeSeconds(deps.db, tenantId);
      const states = await listSyncStates(deps.db, tenantId);
      return {
        queue,
        oldest_pending_age_seconds: oldest,
        dead: queue.filter((c) => c.status === 'DEAD').reduce((n, c) => n + c.count, 0),
        last_sync: states.map((s) => ({
          entity_type: s.entity_type,
          erp_type: s.erp_type,
          direction: s.direction,
          last_sync_at: s.last_sync_at?.toISOString() ?? null,
          total_synced: Number(s.total_synced),
          last_batch_size: s.last_batch_size,
          last_error: s.last_error,
        })),
      };
    },
  );

  r.get(
    '/api/v1/sync/logs',
    {
      config: admin,
      schema: {
        summary: 'Audit log, newest first, keyset-paginated (pass next_cursor back as cursor)',
        tags: ['admin'],
        security: SECURITY,
        querystring: z.object({
          entity_type: entityParam.optional(),
          status: z.enum(LOG_STATUSES).optional(),
          since: isoDateTime.optional(),
          until: isoDateTime.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(200).optional(),
        }),
        response: { 200: z.object({ items: z.array(logItem), next_cursor: z.string().nullable() }), ...protectedErrors },
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await listLogs(deps.db, tenantOf(req), {
        entityType: q.entity_type,
        status: q.status,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        before: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((l) => ({
          ...l,
          started_at: l.started_at?.toISOString() ?? null,
          completed_at: l.completed_at?.toISOString() ?? null,
          created_at: l.created_at.toISOString(),
        })),
        next_cursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
      };
    },
  );

  r.get(
    '/api/v1/sync/dead',
    {
      config: admin,
      schema: {
        summary: 'DEAD items (e.g. inbound items the Hub never acknowledged), newest first; POST /sync/retry/:id retries one',
        tags: ['admin'],
        security: SECURITY,
        querystring: z
          .object({
            destination: z.enum(['HUB', 'ERP']).optional(),
            entity_type: entityParam.optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                destination: z.string(),
                entity_type: z.string(),
                entity_id: z.string(),
                action: z.string(),
                sync_id: z.string(),
                status: z.string(),
                external_id: z.string().nullable(),
                error_message: z.string().nullable(),
                retry_count: z.number().int(),
                created_at: z.string(),
                updated_at: z.string(),
              }),
            ),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const rows = await deps.queue.listDead(deps.db, tenantOf(req), {
        destination: req.query.destination,
        entityType: req.query.entity_type,
        limit: req.query.limit,
      });
      return {
        items: rows.map((r) => ({
          destination: r.destination,
          entity_type: r.entity_type,
          entity_id: r.entity_id,
          action: r.action,
          ...statusView(r),
        })),
      };
    },
  );

  r.post(
    '/api/v1/sync/retry/:id',
    {
      config: admin,
      schema: {
        summary: 'Move a DEAD or FAILED item back to PENDING',
        tags: ['admin'],
        security: SECURITY,
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: statusResponse, 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => statusView(await deps.queue.retry(deps.db, tenantOf(req), req.params.id)),
  );
}
