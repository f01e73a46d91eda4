/** `admin run` (a manual run, exactly as POST /api/v1/sync/run queues it) and `admin status`. */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { entityOverview, type EntityOverviewRow } from '../../db/console-overview.ts';
import { findRunLog } from '../../db/sync-log.ts';
import { startManualRun } from '../../sync/manual-run.ts';
import { TenantBusyError, TENANT_LIMITS_DEFAULT } from '../../sync/tenant-limits.ts';
import { check, CommandFailedError, tenantArg, UsageError, type AdminQueue, type CommandContext } from '../cli-kit.ts';

/** Polls while the run waits in the queue before saying that the worker may not be running. */
const WORKER_HINT_AFTER_POLLS = 20;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export async function run(c: CommandContext): Promise<void> {
  const tenant = await tenantArg(c);
  const { entity } = check(z.object({ entity: z.string({ error: c.m.required }).regex(/^[A-Za-z0-9_.-]{1,64}$/) }), { entity: c.args[1] });
  if (!c.deps.openQueue) throw new Error('admin run needs a queue (openQueue)');
  const q = await c.deps.openQueue();
  const since = new Date(Date.now() - 60_000); // the database clock may run a little behind ours
  const runsInFlight = c.deps.runsInFlight ?? TENANT_LIMITS_DEFAULT.runsInFlight;
  let started;
  try {
    started = await startManualRun(c.deps.db, q.pulls, {
      tenantId: tenant,
      entityType: entity,
      mode: c.opts.full ? 'full' : undefined,
      runsInFlight,
    });
  } catch (err) {
    if (err instanceof TenantBusyError) throw new CommandFailedError(c.m.tenantBusy(String(runsInFlight)));
    throw err;
  }
  if (!started) throw new UsageError(c.m.noRunnableEntity(entity, tenant));
  c.deps.out(c.m.runQueued(started.runId, started.entityType));
  if (c.opts.wait) await follow(c, q, { tenant, runId: started.runId, since });
}

/** Prints each state the run passes through until it ends; a failed run exits 1. */
async function follow(c: CommandContext, q: AdminQueue, o: { tenant: string; runId: string; since: Date }): Promise<void> {
  let last: string | undefined;
  let polls = 0;
  for (;;) {
    const state = (await q.runState(o.runId)) ?? 'created';
    if (TERMINAL.has(state)) break;
    if (state !== last && (state === 'created' || state === 'active' || state === 'retry')) c.deps.out(c.m.runState(state));
    if (state === 'created' && ++polls === WORKER_HINT_AFTER_POLLS) c.deps.out(c.m.runWaitingForWorker);
    last = state;
    await sleep(c.deps.pollMs ?? 500);
  }
  const state = (await q.runState(o.runId))!;
  const log = await findRunLog(c.deps.db, { tenantId: o.tenant, runId: o.runId, since: o.since });
  const ok = state === 'completed' && (log === undefined || log.status === 'SUCCESS' || log.status === 'PARTIAL');
  const message = log ? [log.message, log.error_detail].filter(Boolean).join(' — ') : state;
  if (!ok) throw new CommandFailedError(c.m.runFailed({ state: log?.status ?? state, message }));
  c.deps.out(c.m.runFinished({ status: log?.status ?? state, message }));
}

export async function status(c: CommandContext): Promise<void> {
  const tenant = await tenantArg(c);
  // One line per entity: its enabled configs (one per ERP type) share the entity's runs and queue items.
  const byEntity = new Map<string, EntityOverviewRow[]>();
  for (const r of await entityOverview(c.deps.db, tenant))
    if (r.enabled) byEntity.set(r.entity_type, [...(byEntity.get(r.entity_type) ?? []), r]);
  if (byEntity.size === 0) return c.deps.out(c.m.statusEmpty(tenant));
  c.deps.out(c.m.statusHeader);
  for (const [entity, configs] of byEntity) {
    const r = configs.find((x) => x.run_status !== null) ?? configs[0]!;
    const m = (r.run_metadata ?? {}) as { read?: number; changed?: number; deleted?: number };
    const fresh = configs.map((x) => x.freshness_seconds).filter((f) => f !== null);
    c.deps.out(
      [
        entity,
        [...new Set(configs.map((x) => x.direction))].sort().join('+'),
        r.run_finished_at?.toISOString() ?? c.m.never,
        r.run_status ?? '-',
        `${m.read ?? 0}/${m.changed ?? 0}/${m.deleted ?? 0}`,
        fresh.length ? c.m.ago(Math.floor(Math.min(...fresh))) : c.m.never,
        r.pending,
        r.retry,
        r.dead,
      ].join('\t'),
    );
  }
}
