/**
 * The Linux build of ax-sync-client (dist/ax-sync-client), built once when missing or older than
 * any source it bundles; and helpers to run it and the server as real processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished, freePort, startBin, TEST_SECRET_KEY, waitForOutput, type Finished } from '../helpers/processes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const EXE = path.join(ROOT, 'dist/ax-sync-client');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return newest;
}

export function ensureAgentBuilt(): void {
  let built = 0;
  try {
    built = statSync(EXE).mtimeMs;
  } catch {
    /* missing */
  }
  const sources = Math.max(newestSource(path.join(ROOT, 'src')), statSync(path.join(ROOT, 'package-lock.json')).mtimeMs);
  if (built > sources) return;
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/agent/build-sea.ts'), '--linux-only'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** A fresh install folder for the agent (its sync-config.enc, last-sync.json, logs/). */
export function agentDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ax-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function startAgent(dir: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(EXE, [...args, '--dir', dir], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, LANG: 'es_AR.UTF-8', SYNC_CONFIG_PASSWORD: 'Mi_Password_Super_Seguro_2024!', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ReturnType<typeof spawn> & { output: { stdout: string; stderr: string } };
  child.output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (child.output.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (child.output.stderr += c.toString()));
  return child;
}

export function runAgent(dir: string, args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return finished(startAgent(dir, args, env), 120_000);
}

/** The real server as a process on a free loopback port. */
export async function startServer(t: { teardown(fn: () => unknown): void }, databaseUrl: string, port?: number) {
  const p = port ?? (await freePort());
  const child = startBin('server', [], {
    env: { DATABASE_URL: databaseUrl, SYNC_SECRET_KEY: TEST_SECRET_KEY, PORT: String(p), HOST: '127.0.0.1' },
  });
  t.teardown(() => void child.kill('SIGKILL'));
  await waitForOutput(child, /listening/i, 60_000);
  return { url: `http://127.0.0.1:${p}`, port: p, child };
}
