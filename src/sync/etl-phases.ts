/**
 * Seed 001's three phases: pre_process and post_process run on the side their `run_on` names
 * (erp = the customer's SQL Server: their SQL, their login; hub = our PostgreSQL: only the named
 * operations of hub-operations.ts, never SQL text). Each writes one sync_log line with phase,
 * executed_on, status, rows affected and duration. A failing phase throws: later phases do not run.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { insertLogs } from '../db/sync-log.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { PgBoss } from 'pg-boss';
import { emitWebhookEvents } from '../webhooks/events.ts';
import { configPhase, phaseSide, type EntityConfig } from './entity-config.ts';
import { runHubOperation, type EmitWebhookEvents } from './hub-operations.ts';

export interface PhaseDeps {
  db: Kysely<Database>;
  /** For `run_on: "erp"` phases; the server's upload path runs hub phases only. */
  erp?: ErpRegistry;
  /** For `notify_inbound_available`: the worker's pg-boss, or (server) an emitter bound to one. */
  boss?: PgBoss;
  emit?: EmitWebhookEvents;
}

export interface PhaseLog {
  config: EntityConfig;
  tenantId: string;
  runId: string;
  direction: 'IN' | 'OUT';
  /** sync_log action; default PULL (IN) or DOWNLOAD (OUT). */
  action?: string;
}

/** One log line of a phase (also used for the process phase itself). */
export async function logPhase(
  db: Kysely<Database>,
  o: PhaseLog & {
    phase: 'pre_process' | 'process' | 'post_process';
    executedOn: 'erp' | 'hub';
    started: Date;
    rows?: number;
    error?: string;
    message: string;
    metadata?: object;
  },
): Promise<void> {
  await insertLogs(db, [
    {
      tenant_id: o.tenantId,
      entity_type: o.config.entity_type,
      action: o.action ?? (o.direction === 'IN' ? 'PULL' : 'DOWNLOAD'),
      direction: o.direction,
      status: o.error ? 'FAILED' : 'SUCCESS',
      phase: o.phase,
      executed_on: o.executedOn,
      rows_affected: o.rows ?? null,
      started_at: o.started,
      completed_at: new Date(),
      duration_ms: Date.now() - o.started.getTime(),
      error_detail: o.error ?? null,
      message: o.message,
      metadata: JSON.stringify({ run_id: o.runId, ...o.metadata }),
    },
  ]);
}

export async function runPhase(deps: PhaseDeps, o: PhaseLog & { phase: 'pre_process' | 'post_process' }): Promise<void> {
  if (o.config.queries[o.phase] === undefined || o.config.queries[o.phase] === null) return;
  const started = new Date();
  const executedOn = phaseSide(o.config, o.phase) === 'erp' ? 'erp' : 'hub';
  try {
    // Validated again here: a row written with psql never went through the API's schema.
    const step = configPhase(o.config, o.phase)!;
    let rows = 0;
    if (step.run_on === 'erp') {
      if (!deps.erp) throw new Error(`${o.phase} runs on the ERP, which this path does not reach`);
      rows = (await (await deps.erp.forTenant(o.tenantId, o.config.erp_type)).execute(step.sql, {}, { name: o.phase })).rowsAffected;
    } else {
      const scope = { tenantId: o.tenantId, entityType: o.config.entity_type, erpType: o.config.erp_type, runId: o.runId };
      const boss = deps.boss;
      const emit = deps.emit ?? (boss ? (db, events) => emitWebhookEvents(db, boss, events) : undefined);
      for (const op of step.operations) rows += await runHubOperation({ db: deps.db, emit }, op, scope);
    }
    await logPhase(deps.db, { ...o, executedOn, started, rows, message: `${o.phase} done` });
  } catch (err) {
    await logPhase(deps.db, { ...o, executedOn, started, error: (err as Error).message, message: `${o.phase} failed` });
    throw err;
  }
}

/**
 * After an agent upload is stored: its `post_process` if it runs on our side (`run_on: "hub"`,
 * seed 001's "destino"). The rows are already committed, so a failure is reported beside them
 * (and in sync_log), not as a failed upload.
 */
export async function runUploadPostProcess(
  deps: PhaseDeps,
  o: Omit<PhaseLog, 'direction'>,
): Promise<{ post_process?: { estado: 'exitoso' | 'error'; mensaje?: string } }> {
  if (phaseSide(o.config, 'post_process') !== 'hub') return {};
  try {
    await runPhase(deps, { ...o, direction: 'IN', action: 'UPLOAD', phase: 'post_process' });
    return { post_process: { estado: 'exitoso' } };
  } catch (err) {
    return { post_process: { estado: 'error', mensaje: (err as Error).message } };
  }
}
