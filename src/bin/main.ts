import { ConfigError } from '../config/config.ts';
import { SchemaOutdatedError } from './bootstrap.ts';
import { DatabaseUnreachableError } from '../db/connect.ts';
import { EmbeddedNotRunningError } from '../db/embedded-postgres.ts';
import { PrivilegedRoleError } from '../db/roles.ts';
import { SecretKeyError } from '../security/secret-box.ts';

/** Errors whose message is the whole story: printed as one line, no stack trace. */
const ONE_LINE_ERRORS = [
  ConfigError,
  DatabaseUnreachableError,
  SecretKeyError,
  PrivilegedRoleError,
  SchemaOutdatedError,
  EmbeddedNotRunningError,
];

/** Runs an entry point; known failures print one line to stderr and exit with their `exitCode` (else 1). */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const exitCode = err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : 1;
    if (ONE_LINE_ERRORS.some((cls) => err instanceof cls) || (err instanceof Error && 'exitCode' in err)) {
      process.stderr.write(`${name}: ${(err as Error).message}\n`);
    } else {
      process.stderr.write(`${name}: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(exitCode);
  });
}

/** Calls `shutdown` once on SIGTERM/SIGINT; exits 1 if it takes longer than `graceMs`. */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>, graceMs = 9000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${graceMs} ms; exiting\n`);
      process.exit(1);
    }, graceMs).unref();
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * A PostgreSQL connection that dies while a library (pg-boss) holds it idle without an 'error'
 * listener surfaces as an uncaught 'error' event. Losing the database must degrade the service
 * (health answers 503, jobs wait), not kill it: those are logged and the process goes on; any
 * other uncaught error still ends the process.
 */
export function surviveLostDatabaseConnections(log: (err: Error) => void): void {
  process.on('uncaughtException', (err) => {
    if (/Connection terminated unexpectedly|terminating connection|ECONNRESET|read ECONNRESET/.test(err.message)) {
      log(err);
      return;
    }
    process.stderr.write(`fatal: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
