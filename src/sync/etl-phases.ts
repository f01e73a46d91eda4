/**
 * Seed 001's three phases: pre_process and post_process run on the side their `run_on` names
 * (erp = the SQL Server, hub = our PostgreSQL); each writes one sync_log line with phase,
 * executed_on, status, rows affected and duration. A failing phase throws: later phases do not run.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, EntityConfigRow } from '../db/schema.ts';
import { insertLogs } from '../db/sync-log.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { Queries } from './entity-config-schema.ts';

export interface PhaseDeps {
  db: Kysely<Database>;
  erp: ErpRegistry;
}

export interface PhaseLog {
  config: EntityConfigRow;
  tenantId: string;
  runId: string;
  direction: 'IN' | 'OUT';
}

/** One log line of a phase (also used for the process phase itself). */
export async function logPhase(db: Kysely<Database>, o: PhaseLog & { phase: 'pre_process' | 'process' | 'post_process'; executedOn: 'erp' | 'hub'; started: Date; rows?: number; error?: string; message: string; metadata?: object }): Promise<void> {
  await insertLogs(db, [{
    tenant_id: o.tenantId, entity_type: o.config.entity_type, action: o.direction === 'IN' ? 'PULL' : 'DOWNLOAD', direction: o.direction,
    status: o.error ? 'FAILED' : 'SUCCESS', phase: o.phase, executed_on: o.executedOn, rows_affected: o.rows ?? null,
    started_at: o.started, completed_at: new Date(), duration_ms: Date.now() - o.started.getTime(), error_detail: o.error ?? null,
    message: o.message, metadata: JSON.stringify({ run_id: o.runId, ...o.metadata }),
  }]);
}

export async function runPhase(deps: PhaseDeps, o: PhaseLog & { phase: 'pre_process' | 'post_process' }): Promise<void> {
  const step = (o.config.queries as Queries)[o.phase];
  if (!step) return;
  const started = new Date();
  try {
    const rows = step.run_on === 'erp'
      ? (await (await deps.erp.forTenant(o.tenantId, o.config.erp_type)).execute(step.sql, {}, { name: o.phase })).rowsAffected
      : Number((await sql.raw(step.sql).execute(deps.db)).numAffectedRows ?? 0);
    await logPhase(deps.db, { ...o, executedOn: step.run_on, started, rows, message: `${o.phase} done` });
  } catch (err) {
    await logPhase(deps.db, { ...o, executedOn: step.run_on, started, error: (err as Error).message, message: `${o.phase} failed` });
    throw err;
  }
}
