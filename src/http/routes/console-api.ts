/**
 * Issue 15 §4 — the JSON the console pages need beyond the existing operator routes: the queue
 * (filters, errors grouped by message, retry and discard of many), the per-entity overview and the
 * site agent's activity. Scope `admin` (a viewer may call the GETs); SQL lives in src/db.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { listAgentActivity } from '../../db/agent-activity.ts';
import { entityOverview, tenantWideAlerts } from '../../db/console-overview.ts';
import { BROWSE_STATUSES, countQueueByStatus, discardItems, groupQueueErrors, listQueueItems } from '../../db/queue-browse.ts';
import type { Database, QueueRow } from '../../db/schema.ts';
import { directionOf } from '../../db/sync-log.ts';
import { schedulePeriodSeconds } from '../../core/schedule.ts';
import type { SyncQueue } from '../../queue/sync-queue.ts';
import type { PullScheduler } from '../../sync/pull-scheduler.ts';
import { tenantOf } from '../auth.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { entityParam, protectedErrors, SECURITY, syncId } from '../schemas.ts';

const queueItem = z.object({
  id: z.string(),
  direction: z.enum(['IN', 'OUT']),
  destination: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  action: z.string(),
  status: z.string(),
  retry_count: z.number().int(),
  max_retries: z.number().int(),
  error_message: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
const itemView = (r: QueueRow) => ({
  id: r.id,
  direction: directionOf(r.destination),
  destination: r.destination,
  entity_type: r.entity_type,
  entity_id: r.entity_id,
  action: r.action,
  status: r.status,
  retry_count: r.retry_count,
  max_retries: r.max_retries,
  error_message: r.error_message,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});
const idsBody = z.object({ ids: z.array(syncId).min(1).max(500) }).strict();
const alertItem = z.object({ kind: z.string(), detail: z.string(), raised_at: z.string() });
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function registerConsoleApiRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<Database>; queue: SyncQueue; pulls: PullScheduler },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { scopes: ['admin' as const] };

  r.get(
    '/api/v1/sync/queue',
    {
      config: admin,
      schema: {
        summary: 'Queue items pending, retrying or dead (filters), their errors grouped by message, and counts per status',
        tags: ['operations'],
        security: SECURITY,
        querystring: z
          .object({
            status: z.enum(BROWSE_STATUSES).optional().describe('one status; default all three'),
            entity_type: entityParam.optional(),
            direction: z.enum(['IN', 'OUT']).optional().describe('IN: towards the Hub; OUT: towards the ERP'),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(queueItem),
            errors: z.array(z.object({ message: z.string(), count: z.number().int(), statuses: z.array(z.string()) })),
            counts: z.record(z.string(), z.number().int()),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const f = {
        statuses: req.query.status ? [req.query.status] : [...BROWSE_STATUSES],
        entityType: req.query.entity_type,
        direction: req.query.direction,
        limit: req.query.limit,
      };
      const [items, errors, counts] = await Promise.all([
        listQueueItems(deps.db, tenantId, f),
        groupQueueErrors(deps.db, tenantId, f),
        countQueueByStatus(deps.db, tenantId),
      ]);
      return { items: items.map(itemView), errors, counts };
    },
  );

  r.post(
    '/api/v1/sync/queue/retry',
    {
      config: admin,
      schema: {
        summary: 'Move many DEAD or FAILED items back to PENDING, all or nothing',
        tags: ['operations'],
        security: SECURITY,
        body: idsBody,
        response: { 200: z.object({ items: z.array(queueItem) }), 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const ids = [...new Set(req.body.ids)];
      // One transaction: an unknown id (404) or an item in another status (409) retries none.
      const rows = await deps.db.transaction().execute(async (trx) => {
        const out: QueueRow[] = [];
        for (const id of ids) out.push(await deps.queue.retry(trx, tenantId, id));
        return out;
      });
      return { items: rows.map(itemView) };
    },
  );

  r.post(
    '/api/v1/sync/queue/discard',
    {
      config: admin,
      schema: {
        summary: 'Discard DEAD or FAILED items (terminal status DISCARDED, logged in sync_log), all or nothing',
        tags: ['operations'],
        security: SECURITY,
        body: idsBody,
        response: { 200: z.object({ items: z.array(queueItem) }), 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const ids = [...new Set(req.body.ids)];
      const res = await deps.db.transaction().execute((trx) => discardItems(trx, { tenantId, ids, by: req.auth!.keyPrefix }));
      if (!res.ok && res.missing.length) throw new NotFoundError(`sync item ${res.missing.join(', ')}`, { missing: res.missing });
      if (!res.ok)
        throw new ConflictError('only DEAD or FAILED items can be discarded; nothing was discarded', {
          not_discardable: res.notDiscardable,
        });
      return { items: res.rows.map(itemView) };
    },
  );

  r.get(
    '/api/v1/sync/overview',
    {
      config: admin,
      schema: {
        summary: 'One row per entity: direction, last run, state, rows, freshness vs schedule, next run, queue, open alerts',
        tags: ['operations'],
        security: SECURITY,
        response: {
          200: z.object({
            entities: z.array(
              z.object({
                entity_type: z.string(),
                erp_type: z.string(),
                direction: z.string(),
                enabled: z.boolean(),
                sync_frequency: z.string().nullable(),
                /** on_demand: an OUT entity pushed as the Hub sends documents (no scheduled run). */
                state: z.enum(['disabled', 'never', 'on_demand', 'ok', 'partial', 'failed']),
                last_run: z
                  .object({
                    status: z.string(),
                    started_at: z.string().nullable(),
                    finished_at: z.string().nullable(),
                    rows_read: z.number().int(),
                    rows_changed: z.number().int(),
                    rows_deleted: z.number().int(),
                    error: z.string().nullable(),
                  })
                  .nullable(),
                last_sync_at: z.string().nullable(),
                freshness_seconds: z.number().int().nullable(),
                schedule_period_seconds: z.number().int().nullable(),
                next_run_at: z.string().nullable(),
                waiting: z.number().int(),
                dead: z.number().int(),
                alerts: z.array(alertItem),
              }),
            ),
            tenant_alerts: z.array(alertItem),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const rows = await entityOverview(deps.db, tenantId);
      const entities = [];
      for (const e of rows) {
        const m = (e.run_metadata ?? {}) as { read?: number; changed?: number; deleted?: number; rows?: number };
        const state = !e.enabled
          ? ('disabled' as const)
          : e.run_status === null
            ? e.direction === 'OUT'
              ? ('on_demand' as const)
              : ('never' as const)
            : e.run_status === 'SUCCESS'
              ? ('ok' as const)
              : e.run_status === 'PARTIAL'
                ? ('partial' as const)
                : ('failed' as const);
        const next = e.enabled && e.sync_frequency ? await deps.pulls.nextPullAt(e.config_id) : null;
        entities.push({
          entity_type: e.entity_type,
          erp_type: e.erp_type,
          direction: e.direction,
          enabled: e.enabled,
          sync_frequency: e.sync_frequency,
          state,
          last_run:
            e.run_status === null
              ? null
              : {
                  status: e.run_status,
                  started_at: iso(e.run_started_at),
                  finished_at: iso(e.run_finished_at),
                  rows_read: m.read ?? m.rows ?? 0,
                  rows_changed: m.changed ?? 0,
                  rows_deleted: m.deleted ?? 0,
                  error: e.run_error,
                },
          last_sync_at: iso(e.last_sync_at),
          freshness_seconds: e.freshness_seconds === null ? null : Math.floor(e.freshness_seconds),
          schedule_period_seconds: schedulePeriodSeconds(e.sync_frequency) ?? null,
          next_run_at: iso(next),
          waiting: Number(e.pending) + Number(e.retry),
          dead: Number(e.dead),
          alerts: e.alerts.map((a) => ({ ...a, raised_at: new Date(a.raised_at).toISOString() })),
        });
      }
      const tenantAlerts = await tenantWideAlerts(deps.db, tenantId);
      return { entities, tenant_alerts: tenantAlerts.map((a) => ({ ...a, raised_at: a.raised_at.toISOString() })) };
    },
  );

  r.get(
    '/api/v1/sync/agent/activity',
    {
      config: admin,
      schema: {
        summary: 'The site agents of the tenant: last seen, version, last upload and download',
        tags: ['operations'],
        security: SECURITY,
        response: {
          200: z.object({
            agents: z.array(
              z.object({
                key_prefix: z.string(),
                revoked: z.boolean(),
                last_seen_at: z.string(),
                version: z.string().nullable(),
                last_upload_at: z.string().nullable(),
                last_download_at: z.string().nullable(),
              }),
            ),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const rows = await listAgentActivity(deps.db, tenantOf(req));
      return {
        agents: rows.map((a) => ({
          key_prefix: a.prefix,
          revoked: a.revoked_at !== null,
          last_seen_at: a.last_seen_at.toISOString(),
          version: a.version,
          last_upload_at: iso(a.last_upload_at),
          last_download_at: iso(a.last_download_at),
        })),
      };
    },
  );
}
