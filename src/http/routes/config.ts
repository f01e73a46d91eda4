/** Seed 000 §2.5 — entity configurations (which SQL runs on the ERP), validated by the SPEC §2 schema. Scope `admin`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import type { EntityConfigRow } from '../../db/schema.ts';
import { configWarnings, entityConfigInputSchema, type EntityConfigInput } from '../../sync/entity-config-schema.ts';
import { tenantOf } from '../auth.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { protectedErrors, SECURITY } from '../schemas.ts';

const configView = z.object({
  id: z.string(), entity_type: z.string(), erp_type: z.string(), source_table: z.string().nullable(), primary_key: z.string().nullable(),
  timestamp_field: z.string().nullable(), queries: z.unknown(), field_mapping: z.unknown(), transform_rules: z.unknown(),
  direction: z.string(), enabled: z.boolean(), sync_frequency: z.string().nullable(), created_at: z.string(), updated_at: z.string(),
  /** Valid but fragile on some SQL Server installations (e.g. OUTPUT without INTO): saved anyway. */
  warnings: z.array(z.object({ path: z.string(), message: z.string() })),
});
const idParam = z.object({ id: z.string().regex(/^\d{1,18}$/, 'a configuration id') });

function view(r: EntityConfigRow): z.infer<typeof configView> {
  const { tenant_id: _tenant, ...rest } = r;
  return { ...rest, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(), warnings: configWarnings(r.queries) };
}

function columns(c: EntityConfigInput) {
  return {
    ...c,
    source_table: c.source_table ?? null, primary_key: c.primary_key ?? null, timestamp_field: c.timestamp_field ?? null, sync_frequency: c.sync_frequency ?? null,
    queries: JSON.stringify(c.queries), field_mapping: JSON.stringify(c.field_mapping), transform_rules: JSON.stringify(c.transform_rules),
  };
}

const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === '23505';

export function registerConfigRoutes(app: FastifyInstance, deps: { db: Executor }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { scopes: ['admin' as const] };
  const find = async (tenantId: string, id: string) => {
    const row = await deps.db.selectFrom('sync_entity_config').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`configuration ${id}`);
    return row;
  };

  r.get('/api/v1/sync/config', {
    config: admin,
    schema: { summary: 'All entity configurations of the tenant', tags: ['config'], security: SECURITY, response: { 200: z.object({ items: z.array(configView) }), ...protectedErrors } },
  }, async (req) => ({
    items: (await deps.db.selectFrom('sync_entity_config').selectAll().where('tenant_id', '=', tenantOf(req)).orderBy('entity_type').orderBy('erp_type').execute()).map(view),
  }));

  r.get('/api/v1/sync/config/:id', {
    config: admin,
    schema: { summary: 'One entity configuration', tags: ['config'], security: SECURITY, params: idParam, response: { 200: configView, ...protectedErrors } },
  }, async (req) => view(await find(tenantOf(req), req.params.id)));

  r.post('/api/v1/sync/config', {
    config: admin,
    schema: { summary: 'Add an entity (no code change, no migration)', tags: ['config'], security: SECURITY, body: entityConfigInputSchema, response: { 201: configView, 409: protectedErrors[400], ...protectedErrors } },
  }, async (req, reply) => {
    try {
      const row = await deps.db.insertInto('sync_entity_config').values({ tenant_id: tenantOf(req), ...columns(req.body) }).returningAll().executeTakeFirstOrThrow();
      return reply.status(201).send(view(row));
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`${req.body.entity_type} is already configured for ${req.body.erp_type}; PUT /config/:id changes it`);
      throw e;
    }
  });

  r.put('/api/v1/sync/config/:id', {
    config: admin,
    schema: { summary: 'Replace an entity configuration', tags: ['config'], security: SECURITY, params: idParam, body: entityConfigInputSchema, response: { 200: configView, 409: protectedErrors[400], ...protectedErrors } },
  }, async (req) => {
    const tenantId = tenantOf(req);
    await find(tenantId, req.params.id);
    try {
      const row = await deps.db.updateTable('sync_entity_config').set({ ...columns(req.body), updated_at: new Date() })
        .where('tenant_id', '=', tenantId).where('id', '=', req.params.id).returningAll().executeTakeFirstOrThrow();
      return view(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError(`another configuration already covers ${req.body.entity_type} for ${req.body.erp_type}`);
      throw e;
    }
  });

  r.delete('/api/v1/sync/config/:id', {
    config: admin,
    schema: { summary: 'Disable an entity configuration (kept for its history)', tags: ['config'], security: SECURITY, params: idParam, response: { 200: configView, ...protectedErrors } },
  }, async (req) => {
    const tenantId = tenantOf(req);
    await find(tenantId, req.params.id);
    const row = await deps.db.updateTable('sync_entity_config').set({ enabled: false, updated_at: new Date() })
      .where('tenant_id', '=', tenantId).where('id', '=', req.params.id).returningAll().executeTakeFirstOrThrow();
    return view(row);
  });
}
