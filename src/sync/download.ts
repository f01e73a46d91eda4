/**
 * Seed 001 "download" run on the server for a tenant whose ERP we reach directly: pre_process on
 * the ERP, rows of `process.query` (our side) → `#temp_<table>_<n>` from `schema.columns` → bulk
 * load → the configured MERGE with `{temp_table}`, or `merge_strategy: update_insert` where the ERP
 * has no MERGE — one connection, one ERP transaction.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../config/logger.ts';
import type { Database, EntityConfigRow } from '../db/schema.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { PgBoss } from 'pg-boss';
import { parseDownloadQuery } from './download-query.ts';
import { readDownloadRows } from './download-source.ts';
import { downloadMergeSql, StoredConfigError, tryParseEntityConfig, updateInsertTarget, type EntityConfig } from './entity-config.ts';
import { logPhase, runPhase } from './etl-phases.ts';

const PAGE = 5000;

export interface DownloadResult {
  status: 'completed' | 'failed';
  loaded: number;
  merged: number;
  error?: string;
}

async function* allRows(db: Kysely<Database>, tenantId: string, query: unknown) {
  for (let offset = 0; ; offset += PAGE) {
    const page = await readDownloadRows(db, { tenantId, query, offset, limit: PAGE });
    for (const r of page) {
      // The shorthand returns parametros_json: columns not at the top level are read from it.
      const extra = (r.parametros_json ?? {}) as Record<string, unknown>;
      yield { ...extra, ...r };
    }
    if (page.length < PAGE) return;
  }
}

export interface DownloadDeps {
  db: Kysely<Database>;
  /** The bounded pool with timeouts that tenant-shaped reads use (defaults to `db`). */
  tenantDb?: Kysely<Database>;
  erp: ErpRegistry;
  logger: Logger;
  /** For a hub-side pre_process's notify_inbound_available. */
  boss?: PgBoss;
}

/** A process.query outside the grammar fails the run before anything touches the ERP (a row planted with psql skipped the API's check). */
async function refuseProcessQuery(
  deps: DownloadDeps,
  config: EntityConfig,
  o: { tenantId: string; runId: string },
): Promise<DownloadResult | undefined> {
  const query = config.queries.process?.query;
  if (query === undefined) return undefined;
  try {
    parseDownloadQuery(query);
    return undefined;
  } catch (err) {
    const error = (err as Error).message;
    await logPhase(deps.db, {
      config,
      tenantId: o.tenantId,
      runId: o.runId,
      direction: 'OUT',
      phase: 'process',
      executedOn: 'hub',
      started: new Date(),
      error,
      message: 'process.query refused; nothing ran',
    });
    return { status: 'failed', loaded: 0, merged: 0, error };
  }
}

export async function runDownload(
  deps: DownloadDeps,
  row: EntityConfigRow,
  o: { tenantId: string; runId: string },
): Promise<DownloadResult> {
  const config = tryParseEntityConfig(row);
  if (config instanceof StoredConfigError) return { status: 'failed', loaded: 0, merged: 0, error: config.message };
  const q = config.queries;
  const refused = await refuseProcessQuery(deps, config, o);
  if (refused) return refused;
  const log = { config, tenantId: o.tenantId, runId: o.runId, direction: 'OUT' as const };
  const mergeSql = downloadMergeSql(config);
  const updateInsert = updateInsertTarget(config);
  const verb = updateInsert ? 'UPDATE + INSERT' : 'MERGE';
  try {
    if (!q.schema || !q.process?.query || !(mergeSql || updateInsert)) {
      throw new Error(
        `${config.entity_type}: a download table needs queries.schema, queries.process.query and a MERGE using {temp_table} (or merge_strategy)`,
      );
    }
    await runPhase(deps, { ...log, phase: 'pre_process' });
    const pool = await deps.erp.forTenant(o.tenantId, config.erp_type);
    const started = new Date();
    let r: { loaded: number; merged: number };
    try {
      r = await pool.bulkLoadAndMerge({
        table: config.entity_type.toLowerCase(),
        columns: q.schema.columns,
        rows: allRows(deps.tenantDb ?? deps.db, o.tenantId, q.process.query),
        mergeSql,
        updateInsert,
      });
    } catch (err) {
      await logPhase(deps.db, {
        ...log,
        phase: 'post_process',
        executedOn: 'erp',
        started,
        error: (err as Error).message,
        message: `load + ${verb} failed; the ERP transaction was rolled back`,
      });
      throw err;
    }
    await logPhase(deps.db, {
      ...log,
      phase: 'process',
      executedOn: 'hub',
      started,
      rows: r.loaded,
      message: `${r.loaded} rows read and bulk-loaded`,
    });
    await logPhase(deps.db, {
      ...log,
      phase: 'post_process',
      executedOn: 'erp',
      started,
      rows: r.merged,
      message: `${verb} affected ${r.merged} rows`,
    });
    deps.logger.info({ tenant: o.tenantId, entity: config.entity_type, ...r }, 'download finished');
    return { status: 'completed', ...r };
  } catch (err) {
    return { status: 'failed', loaded: 0, merged: 0, error: (err as Error).message };
  }
}
