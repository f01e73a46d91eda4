/**
 * Babelfish for PostgreSQL as a test ERP (../shared/babelfish: a packaged build, test tooling like the
 * simulator). The runner starts one server per run — its own data directory and free ports, so two
 * runs on one machine do not share or stop each other's — and wipes it afterwards.
 */
import { execFile } from 'node:child_process';
import { access, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './processes.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
/** In CI the repository is cloned beside shared/. */
export const BABELFISH_DIR = path.resolve(ROOT, '../shared/babelfish');
/** start.sh unpacks there: the binaries' RUNPATH requires exactly that path. */
const PREFIX = '/opt/babelfish';
const USER = 'babelfish_user';
const PASSWORD = '12345678';

export type BabelfishRun =
  { url: string; skip?: undefined; stop(): Promise<void> } | { url?: undefined; skip: string; stop(): Promise<void> };

const dataDir = (pid: number) => path.join(PREFIX, `data-run-${pid}`);
const logFile = (pid: number) => path.join(PREFIX, 'log', `run-${pid}.log`);

async function stopScript(pid: number): Promise<void> {
  await run('bash', [path.join(BABELFISH_DIR, 'stop.sh')], { env: { ...process.env, BBF_DATA: dataDir(pid), BBF_WIPE: '1' } }).catch(
    () => undefined,
  );
  await rm(logFile(pid), { force: true });
}

export interface BabelfishPlace {
  /** The folder holding start.sh (default ../shared/babelfish). */
  dir?: string;
  uid?: number;
  erpTarget?: string;
}

/** Why Babelfish cannot run here, or undefined. */
export async function babelfishUnavailable(p: BabelfishPlace = {}): Promise<string | undefined> {
  const selected = (p.erpTarget ?? process.env.ERP_TARGET ?? 'both').toLowerCase();
  if (selected !== 'both' && selected !== 'babelfish') return `ERP_TARGET=${selected}`;
  const dir = p.dir ?? BABELFISH_DIR;
  if (
    !(await access(path.join(dir, 'start.sh')).then(
      () => true,
      () => false,
    ))
  )
    return `no ${dir} (the packaged Babelfish build)`;
  if ((p.uid ?? process.getuid?.()) !== 0)
    return 'not root: ../shared/babelfish/start.sh unpacks to /opt/babelfish and runs the server as the OS user postgres';
  return undefined;
}

export async function startBabelfish(): Promise<BabelfishRun> {
  const skip = await babelfishUnavailable();
  if (skip) return { skip, stop: async () => {} };
  const [tds, pgPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    BBF_DATA: dataDir(process.pid),
    BBF_LOG: logFile(process.pid),
    BBF_TDS_PORT: String(tds),
    BBF_PG_PORT: String(pgPort),
    BBF_USER: USER,
    BBF_PASSWORD: PASSWORD,
  };
  try {
    await run('bash', [path.join(BABELFISH_DIR, 'start.sh')], { env, maxBuffer: 10 * 1024 * 1024 });
  } catch (err) {
    await stopScript(process.pid);
    const e = err as { stderr?: string; message: string };
    throw new Error(`Babelfish did not start: ${e.stderr?.trim().split('\n').slice(-5).join(' | ') || e.message}`);
  }
  return { url: `mssql://${USER}:${PASSWORD}@127.0.0.1:${tds}/master?encrypt=off`, stop: () => stopScript(process.pid) };
}

/** Servers left by runs that died before stopping them. */
export async function removeOrphanBabelfish(): Promise<void> {
  const names = await readdir(PREFIX).catch(() => [] as string[]);
  for (const name of names) {
    const m = /^data-run-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // its runner is alive
    } catch {
      await stopScript(Number(m[1]));
    }
  }
}
