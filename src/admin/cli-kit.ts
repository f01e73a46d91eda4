/** What every admin command shares: its dependencies, its parsed arguments, and the errors that set the exit code. */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { findTenant } from '../db/tenants.ts';
import type { PullScheduler } from '../sync/pull-scheduler.ts';
import { checkDestinationHost, DestinationRefusedError, type DestinationPolicy } from '../security/destination-policy.ts';
import type { Keyring } from '../security/secret-box.ts';
import type { Lang, Messages } from './messages.ts';

/** A misuse of the CLI: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** The command ran and what it checked or started failed (a ✘ in the ERP test, a failed run): exit code 1. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  readonly exitCode = 1;
}

/** pg-boss for the commands that queue work (`run`); opened only by them, closed by the caller. */
export interface AdminQueue {
  pulls: Pick<PullScheduler, 'triggerPullCapped'>;
  /** pg-boss state of a run: created, retry, active, completed, cancelled, failed; undefined when unknown. */
  runState(runId: string): Promise<string | undefined>;
}

export interface AdminDeps {
  db: Kysely<Database>;
  keyring: Keyring;
  /** Where webhook URLs and ERP hosts may point (checked when they are written). */
  destinations: DestinationPolicy;
  /** Reads the whole of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
  out(line: string): void;
  /** The language when no --lang is given (the entry point reads it from LANG). */
  lang?: Lang;
  /** TENANT_RUNS_IN_FLIGHT: the cap a manual run respects, as over HTTP. */
  runsInFlight?: number;
  openQueue?(): Promise<AdminQueue>;
  /** Milliseconds between two looks at a run `--wait` follows. */
  pollMs?: number;
}

/** One command's view of the invocation. */
export interface CommandContext {
  deps: AdminDeps;
  m: Messages;
  lang: Lang;
  /** Positionals after the command words (`admin key list acme` → ['acme']). */
  args: (string | undefined)[];
  opts: Record<string, string | boolean | undefined>;
}

export function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new UsageError(r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '));
}

export async function requireTenant(c: CommandContext, id: string): Promise<void> {
  if (!(await findTenant(c.deps.db, id))) throw new UsageError(c.m.unknownTenant(id));
}

/** The first positional as a tenant id that exists. */
export async function tenantArg(c: CommandContext): Promise<string> {
  const { tenant } = check(z.object({ tenant: z.string({ error: c.m.required }).min(1, c.m.required) }), { tenant: c.args[0] });
  await requireTenant(c, tenant);
  return tenant;
}

/** Refuses a destination the policy forbids, naming the option. */
export function checkDestination(option: string, host: string | undefined, policy: DestinationPolicy): void {
  if (host === undefined) return;
  try {
    checkDestinationHost(host, policy);
  } catch (err) {
    if (err instanceof DestinationRefusedError) throw new UsageError(`${option}: ${err.message}`);
    throw err;
  }
}
