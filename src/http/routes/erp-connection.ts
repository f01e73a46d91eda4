/**
 * Issue 15 §1 — the ERP connection over HTTP (password write-only), its deep test, the dry run of one
 * config before it is saved, and the history of config/connection changes with restore. Scope `admin`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import { findEntityConfigById, updateEntityConfig } from '../../db/entity-configs.ts';
import { findConfigHistory, listConfigHistory, recordConfigChange } from '../../db/config-history.ts';
import { findErpConnection, findErpConnectionById, saveErpConnectionSettings } from '../../db/erp-connections.ts';
import { sealErpPassword } from '../../security/erp-password.ts';
import { ENCRYPT_MODES, type ErpConnectionRow } from '../../db/schema.ts';
import { probeLang, type ProbeEntity } from '../../sync/erp-probe.ts';
import { probeRefusal, probeStoredConnection } from '../../sync/stored-connection-probe.ts';
import { checkDestinationHost, DestinationRefusedError, type DestinationPolicy } from '../../security/destination-policy.ts';
import type { Keyring } from '../../security/secret-box.ts';
import { entityConfigInputSchema } from '../../sync/entity-config-schema.ts';
import { configColumns } from '../../sync/entity-config.ts';
import { tenantOf } from '../auth.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { protectedErrors, SECURITY } from '../schemas.ts';

const erpType = z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/, 'erp_type must be an upper-case name like AXIOMA or SOFTLAND');
const connectionView = z
  .object({
    id: z.string(),
    erp_type: z.string(),
    mode: z.enum(['direct', 'agent']),
    host: z.string().nullable(),
    port: z.number().nullable(),
    instance_name: z.string().nullable(),
    database: z.string().nullable(),
    username: z.string().nullable(),
    /** Whether a password is stored; the password itself is never returned. */
    password_set: z.boolean(),
    encrypt: z.enum(ENCRYPT_MODES),
    trust_server_certificate: z.boolean(),
    connect_timeout_ms: z.number().nullable(),
    request_timeout_ms: z.number().nullable(),
    version: z.number(),
    updated_at: z.string(),
  })
  .meta({ id: 'ErpConnection' });
const connectionInput = z
  .object({
    erp_type: erpType,
    mode: z.enum(['direct', 'agent']).default('direct'),
    host: z.string().trim().min(1).max(255).nullable().default(null),
    port: z.number().int().min(1).max(65535).nullable().default(1433),
    instance_name: z.string().trim().min(1).max(128).nullable().default(null),
    database: z.string().trim().min(1).max(128).nullable().default(null),
    username: z.string().trim().min(1).max(128).nullable().default(null),
    /** Write-only: omit it to keep the stored one. */
    password: z.string().min(1).max(512).optional(),
    encrypt: z.enum(ENCRYPT_MODES).default('on'),
    trust_server_certificate: z.boolean().default(false),
    connect_timeout_ms: z.number().int().min(1000).max(120_000).nullable().default(null),
    request_timeout_ms: z
      .number()
      .int()
      .min(1000)
      .max(6 * 3600_000)
      .nullable()
      .default(null),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.mode !== 'direct') return;
    for (const f of ['host', 'database', 'username'] as const)
      if (!c[f]) ctx.addIssue({ code: 'custom', path: [f], message: `${f} is required in direct mode` });
  });
const checkView = z.object({
  id: z.string(),
  status: z.enum(['ok', 'fail', 'warn', 'skip']),
  title: z.string(),
  detail: z.string(),
  next_step: z.string(),
});
const reportView = z.object({ ok: z.boolean(), checks: z.array(checkView) }).meta({ id: 'ErpProbeReport' });
const historyView = z.object({
  id: z.string(),
  kind: z.enum(['entity_config', 'erp_connection']),
  target_id: z.string(),
  changed_by: z.string().nullable(),
  changed_at: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
const erpTypeQuery = z.object({ erp_type: erpType.optional() });

function view(r: ErpConnectionRow): z.infer<typeof connectionView> {
  const o = r.options as { connect_timeout_ms?: number; request_timeout_ms?: number };
  return {
    id: r.id,
    erp_type: r.erp_type,
    mode: r.mode,
    host: r.host,
    port: r.port,
    instance_name: r.instance_name,
    database: r.database,
    username: r.username,
    password_set: r.password !== null,
    encrypt: r.encrypt,
    trust_server_certificate: r.trust_server_certificate,
    connect_timeout_ms: o.connect_timeout_ms ?? null,
    request_timeout_ms: o.request_timeout_ms ?? null,
    version: r.version,
    updated_at: r.updated_at.toISOString(),
  };
}

const changedBy = (req: FastifyRequest) => req.auth?.keyPrefix ?? null;

export function registerErpConnectionRoutes(
  app: FastifyInstance,
  deps: { db: Executor; keyring: Keyring; destinations?: DestinationPolicy },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { scopes: ['admin' as const] };
  const tags = ['erp-connection'];
  const connectionOf = async (tenantId: string, type?: string) => {
    const row = await findErpConnection(deps.db, tenantId, type);
    if (!row) throw new NotFoundError(`ERP connection${type ? ` ${type}` : ''}`);
    return row;
  };
  const probe = async (req: FastifyRequest, row: ErpConnectionRow, o: { entities?: ProbeEntity[]; onlyDryRun?: boolean } = {}) => {
    const refusal = probeRefusal(row);
    if (refusal === 'agent_mode')
      throw new ValidationError('the ERP connection is in agent mode: the site agent runs the queries, the server cannot reach the ERP', {
        field: 'mode',
      });
    if (refusal === 'no_password')
      throw new ValidationError('the ERP connection has no password: set it with PUT /api/v1/sync/erp-connection', { field: 'password' });
    return probeStoredConnection(deps.db, deps.keyring, { row, ...o, lang: probeLang(req.headers['accept-language']) });
  };

  r.get(
    '/api/v1/sync/erp-connection',
    {
      config: admin,
      schema: {
        summary: 'The tenant ERP connection (the password is never returned)',
        tags,
        security: SECURITY,
        querystring: erpTypeQuery,
        response: { 200: connectionView, ...protectedErrors },
      },
    },
    async (req) => view(await connectionOf(tenantOf(req), req.query.erp_type)),
  );

  r.put(
    '/api/v1/sync/erp-connection',
    {
      config: admin,
      schema: {
        summary: 'Create or change the ERP connection (password write-only: omit it to keep the stored one)',
        tags,
        security: SECURITY,
        body: connectionInput,
        response: { 200: connectionView, ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const b = req.body;
      const before = await findErpConnection(deps.db, tenantId, b.erp_type);
      if (b.mode === 'direct' && !b.password && !before?.password)
        throw new ValidationError('password: required the first time a direct connection is set', { field: 'password' });
      if (b.host) {
        try {
          checkDestinationHost(b.host, deps.destinations ?? { allowPrivate: false });
        } catch (err) {
          if (err instanceof DestinationRefusedError)
            throw new ValidationError(`host: ${err.message}`, [{ path: 'body.host', message: err.message }]);
          throw err;
        }
      }
      const extras = {
        ...(before?.options ?? {}),
        connect_timeout_ms: b.connect_timeout_ms ?? undefined,
        request_timeout_ms: b.request_timeout_ms ?? undefined,
      };
      const row = await saveErpConnectionSettings(deps.db, {
        tenantId,
        erpType: b.erp_type,
        mode: b.mode,
        host: b.host,
        port: b.port,
        instanceName: b.instance_name,
        database: b.database,
        username: b.username,
        password: b.password ? sealErpPassword(b.password, deps.keyring, { tenantId, erpType: b.erp_type }) : undefined,
        encrypt: b.encrypt,
        trustServerCertificate: b.trust_server_certificate,
        options: JSON.parse(JSON.stringify(extras)) as Record<string, unknown>,
      });
      await recordConfigChange(deps.db, {
        tenantId,
        kind: 'erp_connection',
        targetId: row.id,
        changedBy: changedBy(req),
        before,
        after: row,
      });
      return view(row);
    },
  );

  r.post(
    '/api/v1/sync/erp-connection/test',
    {
      config: admin,
      schema: {
        summary:
          'Deep connection test: TCP, TLS, login, version, collation, Change Tracking, permissions and a dry run of every configured query (nothing written)',
        description: 'Each check says ok/fail/warn/skip with the next step in plain Spanish (English with Accept-Language: en).',
        tags,
        security: SECURITY,
        querystring: erpTypeQuery,
        response: { 200: reportView, ...protectedErrors },
      },
    },
    async (req) => {
      return probe(req, await connectionOf(tenantOf(req), req.query.erp_type));
    },
  );

  r.post(
    '/api/v1/sync/config/validate',
    {
      config: admin,
      schema: {
        summary: 'Validate one entity configuration and dry-run its queries on the ERP before it is saved',
        tags: ['config'],
        security: SECURITY,
        body: entityConfigInputSchema,
        response: { 200: reportView, ...protectedErrors },
      },
    },
    async (req) => {
      const row = await connectionOf(tenantOf(req), req.body.erp_type);
      return probe(req, row, { entities: [{ entityType: req.body.entity_type, queries: req.body.queries }], onlyDryRun: true });
    },
  );

  r.get(
    '/api/v1/sync/config/history',
    {
      config: admin,
      schema: {
        summary: 'Changes of entity configurations and ERP connections (secrets redacted), newest first',
        tags: ['config'],
        security: SECURITY,
        querystring: z.object({
          kind: z.enum(['entity_config', 'erp_connection']).optional(),
          target_id: z
            .string()
            .regex(/^\d{1,18}$/, 'target_id must be a numeric id')
            .optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(historyView) }), ...protectedErrors },
      },
    },
    async (req) => ({
      items: (
        await listConfigHistory(deps.db, tenantOf(req), { kind: req.query.kind, targetId: req.query.target_id, limit: req.query.limit })
      ).map((h) => ({ ...h, changed_at: h.changed_at.toISOString() })),
    }),
  );

  r.post(
    '/api/v1/sync/config/history/:id/restore',
    {
      config: admin,
      schema: {
        summary: 'Restore the version a history entry recorded (`after`); an ERP connection keeps its current password',
        tags: ['config'],
        security: SECURITY,
        params: z.object({ id: z.string().regex(/^\d{1,18}$/, 'a history id') }),
        response: { 200: z.object({ kind: z.string(), target_id: z.string(), restored_from: z.string() }), ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const h = await findConfigHistory(deps.db, tenantId, req.params.id);
      if (!h) throw new NotFoundError(`history entry ${req.params.id}`);
      const a = h.after as Record<string, unknown>;
      if (h.kind === 'entity_config') {
        const before = await findEntityConfigById(deps.db, tenantId, h.target_id);
        if (!before) throw new NotFoundError(`configuration ${h.target_id}`);
        const input = entityConfigInputSchema.parse({
          entity_type: a.entity_type,
          erp_type: a.erp_type,
          direction: a.direction,
          enabled: a.enabled,
          queries: a.queries,
          field_mapping: a.field_mapping,
          transform_rules: a.transform_rules,
          ...Object.fromEntries(
            ['source_table', 'primary_key', 'timestamp_field', 'sync_frequency']
              .filter((k) => a[k] !== null && a[k] !== undefined)
              .map((k) => [k, a[k]]),
          ),
        });
        const after = await updateEntityConfig(deps.db, { tenantId, id: h.target_id }, configColumns(input));
        await recordConfigChange(deps.db, {
          tenantId,
          kind: 'entity_config',
          targetId: after.id,
          changedBy: changedBy(req),
          before,
          after,
        });
      } else {
        const before = await findErpConnectionById(deps.db, tenantId, h.target_id);
        if (!before) throw new NotFoundError(`ERP connection ${h.target_id}`);
        const after = await saveErpConnectionSettings(deps.db, {
          tenantId,
          erpType: before.erp_type,
          mode: a.mode as 'direct' | 'agent',
          host: a.host as string | null,
          port: a.port as number | null,
          instanceName: a.instance_name as string | null,
          database: a.database as string | null,
          username: a.username as string | null,
          encrypt: a.encrypt as ErpConnectionRow['encrypt'],
          trustServerCertificate: Boolean(a.trust_server_certificate),
          options: (a.options ?? {}) as Record<string, unknown>,
        });
        await recordConfigChange(deps.db, {
          tenantId,
          kind: 'erp_connection',
          targetId: after.id,
          changedBy: changedBy(req),
          before,
          after,
        });
      }
      return { kind: h.kind, target_id: h.target_id, restored_from: h.id };
    },
  );
}
