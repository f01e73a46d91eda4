/** Seed 000 §3.4–3.5 — trigger a pull now, and the state of every entity's pulls. Scope `admin`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { listEntityConfigs } from '../../db/entity-configs.ts';
import { lastPullRun } from '../../db/sync-log.ts';
import { findSyncState } from '../../db/sync-state.ts';
import { listRecordErrors } from '../../db/record-errors.ts';
import type { PullScheduler } from '../../sync/pull-scheduler.ts';
import { startManualRun } from '../../sync/manual-run.ts';
import type { TenantLimits } from '../../sync/tenant-limits.ts';
import { tenantOf } from '../auth.ts';
import { NotFoundError } from '../errors.ts';
import { entityParam, protectedErrors, SECURITY } from '../schemas.ts';

const entityStatus = z.object({
  entity_type: z.string(),
  erp_type: z.string(),
  enabled: z.boolean(),
  sync_frequency: z.string().nullable(),
  last_run: z
    .object({
      run_id: z.string().nullable(),
      status: z.string(),
      started_at: z.string().nullable(),
      finished_at: z.string().nullable(),
      duration_ms: z.number().nullable(),
      rows_read: z.number(),
      rows_changed: z.number(),
      rows_deleted: z.number(),
      error: z.string().nullable(),
    })
    .nullable(),
  last_sync_at: z.string().nullable(),
  cursor: z.string().nullable(),
  last_error: z.string().nullable(),
  next_run_at: z.string().nullable(),
  /** Records a transform rule refused: listed until they convert (first 50). */
  refused_records: z.array(z.object({ entity_id: z.string(), message: z.string(), since: z.string() })),
});

export function registerRunRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<Database>; pulls: PullScheduler; limits: Pick<TenantLimits, 'runsInFlight'> },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { scopes: ['admin' as const] };

  r.post(
    '/api/v1/sync/run',
    {
      config: admin,
      schema: {
        summary: 'Run a pull (ERP → Hub) or a download table (→ ERP) now; returns the run id',
        tags: ['runs'],
        security: SECURITY,
        querystring: z.object({
          entity: entityParam,
          mode: z.enum(['full']).optional().describe('full: read the whole snapshot even with a cursor (finds deletes)'),
          confirm_deletes: z.enum(['true', 'false']).optional().describe('true: apply deletions the mass-delete guard refused'),
        }),
        response: { 202: z.object({ run_id: z.string(), entity_type: z.string(), status: z.literal('queued') }), ...protectedErrors },
      },
    },
    async (req, reply) => {
      const run = await startManualRun(deps.db, deps.pulls, {
        tenantId: tenantOf(req),
        entityType: req.query.entity,
        mode: req.query.mode,
        confirmDeletes: req.query.confirm_deletes === 'true',
        runsInFlight: deps.limits.runsInFlight,
      });
      if (!run) throw new NotFoundError(`entity ${req.query.entity} (no enabled inbound or download configuration)`);
      return reply.status(202).send({ run_id: run.runId, entity_type: run.entityType, status: 'queued' as const });
    },
  );

  r.get(
    '/api/v1/sync/status',
    {
      config: admin,
      schema: {
        summary: 'Per entity: last run, rows read/changed/deleted, last error, next scheduled run',
        tags: ['runs'],
        security: SECURITY,
        response: { 200: z.object({ entities: z.array(entityStatus) }), ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const configs = await listEntityConfigs(deps.db, tenantId, { flow: 'IN' });
      const entities = [];
      for (const c of configs) {
        const state = await findSyncState(deps.db, { tenantId, entityType: c.entity_type, erpType: c.erp_type, direction: 'IN' });
        const run = await lastPullRun(deps.db, tenantId, c.entity_type);
        const m = (run?.metadata ?? {}) as { run_id?: string; read?: number; changed?: number; deleted?: number };
        const next = c.enabled && c.sync_frequency ? await deps.pulls.nextPullAt(c.id) : null;
        entities.push({
          entity_type: c.entity_type,
          erp_type: c.erp_type,
          enabled: c.enabled,
          sync_frequency: c.sync_frequency,
          last_run: run
            ? {
                run_id: m.run_id ?? null,
                status: run.status,
                started_at: run.started_at?.toISOString() ?? null,
                finished_at: run.completed_at?.toISOString() ?? null,
                duration_ms: run.duration_ms,
                rows_read: m.read ?? 0,
                rows_changed: m.changed ?? 0,
                rows_deleted: m.deleted ?? 0,
                error: run.error_detail,
              }
            : null,
          last_sync_at: state?.last_sync_at?.toISOString() ?? null,
          cursor: state?.last_timestamp ?? null,
          last_error: state?.last_error ?? null,
          next_run_at: next?.toISOString() ?? null,
          refused_records: (await listRecordErrors(deps.db, { tenantId, entityType: c.entity_type, erpType: c.erp_type })).map((e) => ({
            entity_id: e.entity_id,
            message: e.message,
            since: e.first_seen_at.toISOString(),
          })),
        });
      }
      return { entities };
    },
  );
}
