/**
 * Seed 001's three phases: pre_process and post_process run on the side their `run_on` names
 * (erp = the customer's SQL Server: their SQL, their login; hub = our PostgreSQL: only the named
 * operations of hub-operations.ts, never SQL text). Each writes one sync_log line with phase,
 * executed_on, status, rows affected and duration. A failing phase throws: later phases do not run.
 */
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database, EntityConfigRow } from '../db/schema.ts';
import { insertLogs } from '../db/sync-log.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import { phaseSchema } from './entity-config-schema.ts';
import { runHubOperation } from './hub-operations.ts';

export interface PhaseDeps {
  db: Kysely<Database>;
  erp: ErpRegistry;
  /** For `notify_inbound_available`; absent where no queue is at hand. */
  boss?: PgBoss;
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
  const raw = (o.config.queries as Record<string, unknown> | null)?.[o.phase];
  if (raw === undefined || raw === null) return;
  const started = new Date();
  const executedOn = (raw as { run_on?: unknown }).run_on === 'erp' ? 'erp' : 'hub';
  try {
    // Validated again here: a row written with psql never went through the API's schema.
    const parsed = phaseSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PhaseRefusedError(`queries.${o.phase}${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`);
    }
    const step = parsed.data;
    let rows = 0;
    if (step.run_on === 'erp') rows = (await (await deps.erp.forTenant(o.tenantId, o.config.erp_type)).execute(step.sql!, {}, { name: o.phase })).rowsAffected;
    else {
      const scope = { tenantId: o.tenantId, entityType: o.config.entity_type, erpType: o.config.erp_type, runId: o.runId };
      for (const op of step.operations!) rows += await runHubOperation(deps, op, scope);
    }
    await logPhase(deps.db, { ...o, executedOn, started, rows, message: `${o.phase} done` });
  } catch (err) {
    await logPhase(deps.db, { ...o, executedOn, started, error: (err as Error).message, message: `${o.phase} failed` });
    throw err;
  }
}

/** A phase the configuration schema refuses (free SQL with run_on "hub", an unknown operation): nothing ran. */
export class PhaseRefusedError extends Error {
  override readonly name = 'PhaseRefusedError';
  readonly code = 'PHASE_REFUSED';
}
