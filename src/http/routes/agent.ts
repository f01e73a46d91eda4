/**
 * Seed 001's agent API under /api/sync (scope `agent`): config, upload, download, logs. The
 * tenant in the path, the X-Tenant-Id header and the key's tenant must all agree (else 403).
 * Shapes are seed 001's, field names included (tabla, registrosInsertados, …).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { listEntityConfigs } from '../../db/entity-configs.ts';
import type { Database, EntityConfigRow } from '../../db/schema.ts';
import { insertLogs } from '../../db/sync-log.ts';
import { tenantTimeZone } from '../../db/tenants.ts';
import { openErpPassword } from '../../security/erp-password.ts';
import type { SyncQueue } from '../../queue/sync-queue.ts';
import type { Keyring } from '../../security/secret-box.ts';
import { sealForAgent } from '../../security/agent-envelope.ts';
import { agentConfigState } from '../../sync/agent-config.ts';
import { DownloadQueryError, DownloadTimeoutError, readDownloadRows } from '../../sync/download-source.ts';
import { isDownloadTable, parseEntityConfig, readableConfigs } from '../../sync/entity-config.ts';
import { runUploadPostProcess } from '../../sync/etl-phases.ts';
import type { EmitWebhookEvents } from '../../sync/hub-operations.ts';
import { prepareRecord, writeBatch, type PreparedRecord } from '../../sync/ingest.ts';
import type { TenantGate, TenantLimits } from '../../sync/tenant-limits.ts';
import { AppError, ForbiddenError, LimitExceededError, NotFoundError, ValidationError } from '../errors.ts';
import { int4, isoDateTime, protectedErrors, SECURITY } from '../schemas.ts';

const tenantParam = z.object({ tenantId: z.string().min(1).max(63) });
const UPLOAD_BATCH = 1000;
const DOWNLOAD_PAGE = 1000;

/** The key's tenant, which must also be the path's and the X-Tenant-Id header's. */
export function agentTenant(req: Pick<FastifyRequest, 'auth' | 'headers'> & { params: { tenantId: string } }): string {
  const tenantId = req.auth!.tenantId;
  if (req.headers['x-tenant-id'] !== tenantId) throw new ForbiddenError('X-Tenant-Id must be sent and match the API key');
  if (req.params.tenantId !== tenantId) throw new ForbiddenError('the tenant in the path does not match the API key');
  return tenantId;
}

const findTable = <C extends Pick<EntityConfigRow, 'entity_type' | 'source_table'>>(configs: C[], tabla: string) =>
  configs.find((c) => c.entity_type.toLowerCase() === tabla.toLowerCase() || c.source_table?.toLowerCase() === tabla.toLowerCase());

const logEntry = z.object({
  direccion: z.enum(['upload', 'download']),
  tabla: z.string().min(1).max(128),
  fase: z.enum(['pre_process', 'process', 'post_process']).optional(),
  ejecutadoEn: z.enum(['origen', 'destino']).optional(),
  estado: z.enum(['exitoso', 'error', 'parcial']),
  registrosAfectados: int4.min(0).optional(),
  mensaje: z.string().max(4000).optional(),
  errorDetalle: z.string().max(20_000).optional(),
  duracionMs: int4.min(0).optional(),
  metadatos: z.record(z.string(), z.unknown()).optional(),
  fechaInicio: isoDateTime,
  fechaFin: isoDateTime.optional(),
});

export function registerAgentRoutes(
  app: FastifyInstance,
  deps: {
    db: Kysely<Database>;
    queue: SyncQueue;
    keyring: Keyring;
    tenant: { limits: TenantLimits; gate: TenantGate; db: Kysely<Database> };
    emitWebhookEvents?: EmitWebhookEvents;
  },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const agent = { scopes: ['agent' as const] };

  r.get(
    '/api/sync/config/:tenantId',
    {
      config: agent,
      schema: {
        summary:
          'The agent’s configuration (seed 001 sync_configurations shape); the ERP password is sealed for this key (agent keys only; null for others)',
        tags: ['agent'],
        security: SECURITY,
        params: tenantParam,
        response: {
          200: z.looseObject({ success: z.literal(true), version: z.number(), ultimaModificacion: z.string() }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = agentTenant(req);
      const s = await agentConfigState(deps.db, tenantId);
      // Only agent keys receive the sealed password: an admin key (which may call every route) gets null.
      const forAgent = req.auth!.scopes.includes('agent');
      const password = forAgent && s.erp?.password ? openErpPassword({ ...s.erp, password: s.erp.password }, deps.keyring) : null;
      return {
        success: true as const,
        id: s.erp ? `erp_${s.erp.id}` : `tenant_${tenantId}`,
        tenantId,
        sqlServerHost: s.erp?.host ?? null,
        sqlServerPort: s.erp?.port ?? 1433,
        sqlServerDatabase: s.erp?.database ?? null,
        sqlServerUser: s.erp?.username ?? null,
        sqlServerPassword: password === null ? null : sealForAgent(password, String(req.headers['x-api-key']), tenantId),
        // 'agent': Hub documents for this ERP wait for the agent (POST /api/sync/outbound/:tenantId/lease).
        modo: s.erp?.mode ?? 'direct',
        configuracionTablas: { tablasSubida: s.tablasSubida, tablasBajada: s.tablasBajada },
        version: s.version,
        ultimaModificacion: s.ultimaModificacion.toISOString(),
      };
    },
  );

  r.post(
    '/api/sync/upload/:tenantId',
    {
      config: agent,
      schema: {
        summary: 'Rows read by the agent from the ERP; same path as a pull (unchanged rows are not rewritten). gzip bodies accepted.',
        tags: ['agent'],
        security: SECURITY,
        params: tenantParam,
        body: z.object({
          tabla: z.string().min(1).max(128),
          data: z.array(z.record(z.string(), z.unknown())).max(100_000),
          timestamp: isoDateTime.optional(),
        }),
        response: {
          200: z.object({
            success: z.literal(true),
            tabla: z.string(),
            registrosInsertados: z.number().int(),
            registrosSinCambios: z.number().int(),
            timestamp: z.string(),
            post_process: z.object({ estado: z.enum(['exitoso', 'error']), mensaje: z.string().optional() }).optional(),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = agentTenant(req);
      if (req.body.data.length > deps.tenant.limits.maxUploadRows) {
        throw new LimitExceededError(
          413,
          `${req.body.data.length} rows in one upload; the maximum is ${deps.tenant.limits.maxUploadRows} (MAX_UPLOAD_ROWS): send smaller batches`,
          [{ path: 'body.data', message: `at most ${deps.tenant.limits.maxUploadRows} rows` }],
        );
      }
      return deps.tenant.gate.run('upload', tenantId, async () => {
        const row = findTable(await listEntityConfigs(deps.db, tenantId, { enabled: true, flow: 'IN' }), req.body.tabla);
        if (!row) throw new NotFoundError(`upload table ${req.body.tabla}`);
        const config = parseEntityConfig(row);
        const timeZone = await tenantTimeZone(deps.db, tenantId);
        const records: PreparedRecord[] = [];
        const errors: { path: string; message: string }[] = [];
        req.body.data.forEach((row, i) => {
          try {
            records.push(prepareRecord(row, config, timeZone));
          } catch (err) {
            errors.push({ path: `body.data.${i}`, message: (err as Error).message });
          }
        });
        if (errors.length) throw new ValidationError(`${errors.length} rows cannot be read; nothing was stored`, errors.slice(0, 100));
        // One transaction for every batch: an upload is stored whole or not at all.
        const changed = await deps.db.transaction().execute(async (trx) => {
          let n = 0;
          for (let i = 0; i < records.length; i += UPLOAD_BATCH) {
            const batch = records.slice(i, i + UPLOAD_BATCH);
            n += (await writeBatch(trx, deps, { tenantId, config, records: batch, readCount: batch.length })).changed;
          }
          return n;
        });
        // Seed 001: the backend runs a post_process whose ejecutarEn is "destino" (our side) after storing the rows.
        const postProcess = await runUploadPostProcess({ db: deps.db, emit: deps.emitWebhookEvents }, { config, tenantId, runId: req.id });
        return {
          success: true as const,
          tabla: req.body.tabla,
          registrosInsertados: changed,
          registrosSinCambios: records.length - changed,
          timestamp: new Date().toISOString(),
          ...postProcess,
        };
      });
    },
  );

  r.get(
    '/api/sync/download/:tenantId',
    {
      config: agent,
      schema: {
        summary: 'Rows of a download table (its process.query on our side) and its schema; page with ?cursor=',
        tags: ['agent'],
        security: SECURITY,
        params: tenantParam,
        querystring: z.object({
          tabla: z.string().min(1).max(128),
          cursor: z
            .string()
            .regex(/^\d{1,9}$/, 'a cursor returned as next_cursor')
            .optional(),
        }),
        response: {
          200: z.looseObject({
            success: z.literal(true),
            tabla: z.string(),
            data: z.array(z.record(z.string(), z.unknown())),
            next_cursor: z.string().nullable(),
          }),
          ...protectedErrors,
        },
      },
    },
    async (req) => {
      const tenantId = agentTenant(req);
      const configs = readableConfigs(await listEntityConfigs(deps.db, tenantId, { enabled: true }));
      const config = findTable(configs.filter(isDownloadTable), req.query.tabla);
      if (!config) throw new NotFoundError(`download table ${req.query.tabla}`);
      const q = config.queries;
      const offset = Number(req.query.cursor ?? 0);
      let data: Record<string, unknown>[];
      try {
        // On the tenant pool (bounded, with timeouts), within the tenant's share of downloads.
        data = await deps.tenant.gate.run('download', tenantId, () =>
          readDownloadRows(deps.tenant.db, { tenantId, query: q.process?.query ?? '', offset, limit: DOWNLOAD_PAGE + 1 }),
        );
      } catch (err) {
        if (err instanceof DownloadQueryError)
          throw new ValidationError(err.message, [{ path: 'queries.process.query', message: err.message }]);
        if (err instanceof DownloadTimeoutError) throw new AppError(503, err.code, err.message);
        throw err;
      }
      const more = data.length > DOWNLOAD_PAGE;
      return {
        success: true as const,
        tabla: req.query.tabla,
        data: data.slice(0, DOWNLOAD_PAGE),
        schema: q.schema,
        timestamp: new Date().toISOString(),
        next_cursor: more ? String(offset + DOWNLOAD_PAGE) : null,
      };
    },
  );

  r.post(
    '/api/sync/logs/:tenantId',
    {
      config: agent,
      schema: {
        summary: 'The agent’s run logs (seed 001 shape), stored in sync_log',
        tags: ['agent'],
        security: SECURITY,
        params: tenantParam,
        body: z.object({ logs: z.array(logEntry).min(1).max(1000) }),
        response: { 200: z.object({ success: z.literal(true), logsInsertados: z.number().int() }), ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = agentTenant(req);
      const status = { exitoso: 'SUCCESS', error: 'FAILED', parcial: 'PARTIAL' } as const;
      const configs = await listEntityConfigs(deps.db, tenantId);
      // The agent's table name is stored as the entity it is configured as, so /api/v1/sync/logs filters find it.
      const entityOf = (tabla: string) => findTable(configs, tabla)?.entity_type ?? tabla.toUpperCase();
      await insertLogs(
        deps.db,
        req.body.logs.map((l) => ({
          tenant_id: tenantId,
          entity_type: entityOf(l.tabla),
          action: 'AGENT',
          direction: l.direccion === 'upload' ? ('IN' as const) : ('OUT' as const),
          status: status[l.estado],
          phase: l.fase ?? null,
          executed_on: l.ejecutadoEn ?? null,
          rows_affected: l.registrosAfectados ?? null,
          message: l.mensaje ?? null,
          error_detail: l.errorDetalle ?? null,
          duration_ms: l.duracionMs ?? null,
          metadata: l.metadatos ? JSON.stringify(l.metadatos) : null,
          started_at: new Date(l.fechaInicio),
          completed_at: l.fechaFin ? new Date(l.fechaFin) : null,
        })),
      );
      return { success: true as const, logsInsertados: req.body.logs.length };
    },
  );
}
