/**
 * Seed 001's `sync_configurations` shape, built from our one model: sync_erp_connection (the
 * credentials part) + sync_entity_config (tablasSubida = inbound tables, tablasBajada = download
 * tables). `version` / `ultimaModificacion` move whenever any part of the tenant's configuration does.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import type { EntityConfigRow } from '../db/schema.ts';
import type { Queries } from './entity-config-schema.ts';

type Phase = { enabled: boolean; ejecutarEn?: 'origen' | 'destino'; sql?: string; operations?: unknown[] };

/** run_on (erp | hub) → seed 001's ejecutarEn: uploads read the ERP (origen), downloads write it (destino). */
function phase(p: Queries['pre_process'], upload: boolean): Phase {
  if (!p) return { enabled: false };
  const onErp = p.run_on === 'erp';
  // On our side (hub) a phase is a list of named operations the server runs, never SQL for the agent.
  return { enabled: true, ejecutarEn: upload === onErp ? 'origen' : 'destino', ...(onErp ? { sql: p.sql } : { operations: p.operations }) };
}

export function tablaSubida(c: EntityConfigRow) {
  const q = c.queries as Queries;
  return {
    nombre: c.entity_type.toLowerCase(),
    primaryKey: c.primary_key ?? q.cursor?.pk ?? null,
    incremental: Boolean(q.cursor && q.select_since),
    campoFecha: q.cursor?.field ?? c.timestamp_field ?? null,
    pre_process: phase(q.pre_process, true),
    process: { query: q.select_since ?? q.select_all ?? '' },
    post_process: phase(q.post_process, true),
    schema: q.schema ?? null,
  };
}

export function tablaBajada(c: EntityConfigRow) {
  const q = c.queries as Queries;
  return {
    nombre: c.entity_type.toLowerCase(),
    primaryKey: c.primary_key ?? null,
    pre_process: phase(q.pre_process, false),
    process: { query: q.process?.query ?? '' },
    post_process: q.post_process
      ? phase(q.post_process, false)
      : q.merge
        ? { enabled: true, ejecutarEn: 'destino' as const, sql: q.merge }
        : { enabled: false },
    schema: q.schema ?? null,
  };
}

/** Download tables are outbound configs that describe a table (`queries.schema`). */
export const isDownloadTable = (c: EntityConfigRow) => c.direction !== 'IN' && Boolean((c.queries as Queries).schema);

export async function agentConfigState(db: Executor, tenantId: string) {
  const configs = await db
    .selectFrom('sync_entity_config')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('enabled', '=', true)
    .orderBy('entity_type')
    .execute();
  const erp = await db
    .selectFrom('sync_erp_connection')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('enabled', '=', true)
    .orderBy('id')
    .executeTakeFirst();
  const last = await sql<{ at: Date | null }>`
    select greatest((select max(updated_at) from sync_entity_config where tenant_id = ${tenantId}),
                    (select max(updated_at) from sync_erp_connection where tenant_id = ${tenantId}),
                    (select updated_at from sync_tenant where id = ${tenantId})) as at`.execute(db);
  const at = last.rows[0]?.at ?? new Date(0);
  return {
    configs,
    erp,
    ultimaModificacion: at,
    // Milliseconds of the last change: an integer that moves with every change (config, connection or tenant).
    version: at.getTime(),
    tablasSubida: configs.filter((c) => c.direction !== 'OUT').map(tablaSubida),
    tablasBajada: configs.filter(isDownloadTable).map(tablaBajada),
  };
}
