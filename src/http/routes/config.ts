/** Seed 000 §2.5 — entity configurations (which SQL runs on the ERP), validated by the SPEC §2 schema. Scope `admin`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import {
  countEnabledConfigsLocked,
  findEntityConfigById,
  insertEntityConfig,
  listEntityConfigs,
  updateEntityConfig,
} from '../../db/entity-configs.ts';
import type { Database } from '../../db/schema.ts';
import { recordConfigChange } from '../../db/config-history.ts';
import type { EntityConfigRow } from '../../db/schema.ts';
import { cronShortestGapSeconds } from '../../sync/cron.ts';
import { configWarnings, entityConfigInputSchema, type EntityConfigInput } from '../../sync/entity-config-schema.ts';
import { configColumns } from '../../sync/entity-config.ts';
import type { TenantLimits } from '../../sync/tenant-limits.ts';
import { tenantOf } from '../auth.ts';
import { ConflictError, LimitExceededError, NotFoundError } from '../errors.ts';
import { protectedErrors, SECURITY } from '../schemas.ts';

const configView = z.object({
  id: z.string(),
  entity_type: z.string(),
  erp_type: z.string(),
  source_table: z.string().nullable(),
  primary_key: z.string().nullable(),
  timestamp_field: z.string().nullable(),
  queries: z.unknown(),
  field_mapping: z.unknown(),
  transform_rules: z.unknown(),
  direction: z.string(),
  enabled: z.boolean(),
  sync_frequency: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  /** Valid but fragile on some SQL Server installations (e.g. OUTPUT without INTO): saved anyway. */
  warnings: z.array(z.object({ path: z.string(), message: z.string() })),
});
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/, 'a configuration id') });

function view(r: EntityConfigRow): z.infer<typeof configView> {
  const { tenant_id: _tenant, ...rest } = r;
  return { ...rest, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(), warnings: configWarnings(r.queries) };
}

const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === '23505';

type Caps = Pick<TenantLimits, 'maxConfigsPerTenant' | 'minScheduleSeconds'>;

/** The per-tenant caps a config write must respect (the schema itself knows no deployment settings). */
function checkSchedule(c: EntityConfigInput, caps: Caps): void {
  if (!c.sync_frequency) return;
  const gap = cronShortestGapSeconds(c.sync_frequency);
  if (gap < caps.minScheduleSeconds) {
    const message = `runs every ${gap} s at its most frequent; the minimum is ${caps.minScheduleSeconds} s (MIN_SCHEDULE_SECONDS)`;
    throw new LimitExceededError(400, `sync_frequency ${message}`, [{ path: 'body.sync_frequency', message }]);
  }
}

async function checkConfigCount(
  trx: Kysely<Database>,
  o: { tenantId: string; enabled: boolean; caps: Caps; exceptId?: string },
): Promise<void> {
  if (!o.enabled) return;
  const n = await countEnabledConfigsLocked(trx, o.tenantId, o.exceptId);
  if (n >= o.caps.maxConfigsPerTenant) {
    throw new LimitExceededError(
      400,
      `this tenant already has ${n} enabled configurations, the maximum (MAX_CONFIGS_PER_TENANT); disable one first`,
    );
  }
}

export function registerConfigRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; limits: Caps }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { scopes: ['admin' as const] };
  const find = async (tenantId: string, id: string) => {
    const row = await findEntityConfigById(deps.db, tenantId, id);
    if (!row) throw new NotFoundError(`configuration ${id}`);
    return row;
  };

  r.get(
    '/api/v1/sync/config',
    {
      config: admin,
      schema: {
        summary: 'All entity configurations of the tenant',
        tags: ['config'],
        security: SECURITY,
        response: { 200: z.object({ items: z.array(configView) }), ...protectedErrors },
      },
    },
    async (req) => ({
      items: (await listEntityConfigs(deps.db, tenantOf(req))).map(view),
    }),
  );

  r.get(
    '/api/v1/sync/config/:id',
    {
      config: admin,
      schema: {
        summary: 'One entity configuration',
        tags: ['config'],
        security: SECURITY,
        params: idParam,
        response: { 200: configView, ...protectedErrors },
      },
    },
    async (req) => view(await find(tenantOf(req), req.params.id)),
  );

  r.post(
    '/api/v1/sync/config',
    {
      config: admin,
      schema: {
        summary: 'Add an entity (no code change, no migration)',
        tags: ['config'],
        security: SECURITY,
        body: entityConfigInputSchema,
        response: { 201: configView, 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req, reply) => {
      checkSchedule(req.body, deps.limits);
      try {
        const tenantId = tenantOf(req);
        const row = await deps.db.transaction().execute(async (trx) => {
          await checkConfigCount(trx, { tenantId, enabled: req.body.enabled, caps: deps.limits });
          const inserted = await insertEntityConfig(trx, tenantId, configColumns(req.body));
          await recordConfigChange(trx, {
            tenantId,
            kind: 'entity_config',
            targetId: inserted.id,
            changedBy: req.auth?.keyPrefix ?? null,
            before: undefined,
            after: inserted,
          });
          return inserted;
        });
        return reply.status(201).send(view(row));
      } catch (e) {
        if (isUniqueViolation(e))
          throw new ConflictError(`${req.body.entity_type} is already configured for ${req.body.erp_type}; PUT /config/:id changes it`);
        throw e;
      }
    },
  );

  r.put(
    '/api/v1/sync/config/:id',
    {
      config: admin,
      schema: {
        summary: 'Replace an entity configuration',
        tags: ['config'],
        security: SECURITY,
        params: idParam,
        body: entityConfigInputSchema,
        response: { 200: configView, 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const before = await find(tenantId, req.params.id);
      checkSchedule(req.body, deps.limits);
      try {
        const row = await deps.db.transaction().execute(async (trx) => {
          await checkConfigCount(trx, { tenantId, enabled: req.body.enabled, caps: deps.limits, exceptId: req.params.id });
          const updated = await updateEntityConfig(trx, { tenantId, id: req.params.id }, configColumns(req.body));
          await recordConfigChange(trx, {
            tenantId,
            kind: 'entity_config',
            targetId: updated.id,
            changedBy: req.auth?.keyPrefix ?? null,
            before,
            after: updated,
          });
          return updated;
        });
        return view(row);
      } catch (e) {
        if (isUniqueViolation(e))
          throw new ConflictError(`another configuration already covers ${req.body.entity_type} for ${req.body.erp_type}`);
        throw e;
      }
    },
  );

  r.delete(
    '/api/v1/sync/config/:id',
    {
      config: admin,
      schema: {
        summary: 'Disable an entity configuration (kept for its history)',
        tags: ['config'],
        security: SECURITY,
        params: idParam,
        response: { 200: configView, ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const before = await find(tenantId, req.params.id);
      const row = await updateEntityConfig(deps.db, { tenantId, id: req.params.id }, { enabled: false });
      await recordConfigChange(deps.db, {
        tenantId,
        kind: 'entity_config',
        targetId: row.id,
        changedBy: req.auth?.keyPrefix ?? null,
        before,
        after: row,
      });
      return view(row);
    },
  );
}
