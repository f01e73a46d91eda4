/**
 * `make run`: the main job on one host — embedded PostgreSQL if needed, migrations, then the
 * server and the worker as two child processes. Ctrl-C (or SIGTERM) stops both, then the
 * embedded cluster if this command started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from './bootstrap.ts';
import { runMain } from './main.ts';
import { WORKER_NODE_FLAGS } from './node-flags.ts';

runMain('run', async () => {
  const env = loadConfig();
  const runtime = await resolveRuntime(env, (line) => process.stdout.write(`run: ${line}\n`));
  await prepareRuntimeDatabase(runtime, env);

  // This process's node flags (the tsx loader; not a debugger's port), and the worker's heap sizing.
  const start = (name: 'server' | 'worker'): ChildProcess =>
    spawn(
      process.execPath,
      [
        ...process.execArgv.filter((a) => !a.startsWith('--inspect')),
        ...(name === 'worker' ? WORKER_NODE_FLAGS : []),
        fileURLToPath(new URL(`./${name}.ts`, import.meta.url)),
      ],
      { stdio: 'inherit' },
    );
  const children = [start('server'), start('worker')];
  const base = `http://${env.HOST}:${env.PORT}`;
  process.stdout.write(
    [
      `run: server on ${base} and worker starting; Ctrl-C stops both`,
      `run: health   ${base}/api/v1/sync/health    API docs ${base}/docs`,
      'run: next steps (another terminal):',
      `run:   make admin ARGS="tenant create acme --name 'Acme SA' --timezone America/Argentina/Buenos_Aires"`,
      'run:   make admin ARGS="key create acme --scope admin"     (and --scope hub for the Hub; each key is shown once)',
      'run:   printf %s "$ERP_PASSWORD" | make admin ARGS="erp set acme AXIOMA --host … --database … --user hub_sync --password-stdin"',
      'run:   make seed   (example Axioma/Softland configurations)    guides: docs/es/README.md',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  process.on('SIGINT', () => stopAll('SIGTERM'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  // If either child dies, stop the other: half a system is worse than none.
  const codes = await Promise.all(
    children.map(
      (c) =>
        new Promise<number>((resolve) =>
          c.on('exit', (code) => {
            stopAll('SIGTERM');
            resolve(code ?? 1);
          }),
        ),
    ),
  );
  if (runtime.startedEmbedded) await runtime.stopEmbedded();
  process.exit(codes.every((c) => c === 0) ? 0 : 1);
});
