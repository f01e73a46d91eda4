/**
 * Seed 001's `sync_configurations` shape, built from our one model: sync_erp_connection (the
 * credentials part) + sync_entity_config (tablasSubida = inbound tables, tablasBajada = download
 * tables). `version` / `ultimaModificacion` move whenever any part of the tenant's configuration does.
 */
import type { Executor } from '../db/connect.ts';
import { lastTenantConfigChange, listEntityConfigs } from '../db/entity-configs.ts';
import { findErpConnection } from '../db/erp-connections.ts';
import type { Phase as ConfigPhase } from './entity-config-schema.ts';
import { acceptedPhase, flows, isDownloadTable, primaryKeyColumn, readableConfigs, type EntityConfig } from './entity-config.ts';

type Phase = { enabled: boolean; ejecutarEn?: 'origen' | 'destino'; sql?: string; operations?: unknown[] };

/**
 * run_on (erp | hub) → seed 001's ejecutarEn: uploads read the ERP (origen), downloads write it
 * (destino). A phase the schema refuses (planted with psql) is not offered.
 */
function phase(p: ConfigPhase | undefined, upload: boolean): Phase {
  if (!p) return { enabled: false };
  const onErp = p.run_on === 'erp';
  // On our side (hub) a phase is a list of named operations the server runs, never SQL for the agent.
  return { enabled: true, ejecutarEn: upload === onErp ? 'origen' : 'destino', ...(onErp ? { sql: p.sql } : { operations: p.operations }) };
}

function tablaSubida(c: EntityConfig) {
  const q = c.queries;
  return {
    nombre: c.entity_type.toLowerCase(),
    primaryKey: primaryKeyColumn(c) ?? null,
    incremental: Boolean(q.cursor && q.select_since),
    campoFecha: q.cursor?.field ?? c.timestamp_field ?? null,
    pre_process: phase(acceptedPhase(c, 'pre_process'), true),
    process: { query: q.select_since ?? q.select_all ?? '' },
    post_process: phase(acceptedPhase(c, 'post_process'), true),
    schema: q.schema ?? null,
  };
}

function tablaBajada(c: EntityConfig) {
  const q = c.queries;
  return {
    nombre: c.entity_type.toLowerCase(),
    primaryKey: c.primary_key ?? null,
    pre_process: phase(acceptedPhase(c, 'pre_process'), false),
    process: { query: q.process?.query ?? '' },
    post_process:
      q.post_process !== undefined && q.post_process !== null
        ? phase(acceptedPhase(c, 'post_process'), false)
        : q.merge
          ? { enabled: true, ejecutarEn: 'destino' as const, sql: q.merge }
          : { enabled: false },
    schema: q.schema ?? null,
  };
}

export async function agentConfigState(db: Executor, tenantId: string) {
  const configs = readableConfigs(await listEntityConfigs(db, tenantId, { enabled: true }));
  const erp = await findErpConnection(db, tenantId);
  const at = (await lastTenantConfigChange(db, tenantId)) ?? new Date(0);
  return {
    configs,
    erp,
    ultimaModificacion: at,
    // Milliseconds of the last change: an integer that moves with every change (config, connection or tenant).
    version: at.getTime(),
    tablasSubida: configs.filter((c) => flows(c, 'IN')).map(tablaSubida),
    tablasBajada: configs.filter(isDownloadTable).map(tablaBajada),
  };
}
