/** Real child processes of our binaries (src/bin/*.ts), for tests that need process boundaries. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** A fixed key for tests: the secrets it seals are test data. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export function binPath(name: string): string {
  return path.join(ROOT, 'src/bin', `${name}.ts`);
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a binary to completion. */
export function runBin(
  name: string,
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {},
): Promise<Finished> {
  const child = startBin(name, args, opts);
  if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
  else child.stdin!.end();
  return finished(child, opts.timeoutMs ?? 60_000);
}

/** Starts a binary (stdio piped); output is collected on `child.output`. */
export function startBin(
  name: string,
  args: string[] = [],
  opts: { env?: Record<string, string> } = {},
): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ['--import', 'tsx', binPath(name), ...args], {
    cwd: ROOT,
    // Tests talk to loopback only (ERP simulator, webhook receivers): the operator setting allows it.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'info',
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  }) as ChildProcess & { output: { stdout: string; stderr: string } };
  child.output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (child.output.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (child.output.stderr += c.toString()));
  return child;
}

export function finished(child: ChildProcess & { output?: { stdout: string; stderr: string } }, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not finish within ${timeoutMs} ms; stderr: ${child.output?.stderr.slice(-2000)}`));
    }, timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: child.output?.stdout ?? '', stderr: child.output?.stderr ?? '' });
    };
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('close', done);
  });
}

/** Resolves when `pattern` appears on the child's stdout or stderr. */
export function waitForOutput(
  child: ChildProcess & { output: { stdout: string; stderr: string } },
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => pattern.test(child.output.stdout) || pattern.test(child.output.stderr);
    if (check()) return resolve();
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(
          `timed out waiting for ${pattern}; stdout: ${child.output.stdout.slice(-1500)} stderr: ${child.output.stderr.slice(-1500)}`,
        ),
      );
    }, timeoutMs);
    const onData = () => {
      if (check()) {
        cleanup();
        resolve();
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`process exited before ${pattern}; stderr: ${child.output.stderr.slice(-2000)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A throwaway DATA_DIR path under the OS temp dir. */
export function tempDataDir(): string {
  return path.join('/tmp', `parse-sync-data-${randomBytes(4).toString('hex')}`);
}
