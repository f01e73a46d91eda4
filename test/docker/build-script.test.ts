/**
 * The Dockerfile's RUN steps (docker/build.sh) without a Docker daemon: copy exactly what the
 * Dockerfile COPYs into a temporary directory, run `build.sh deps` and `build.sh check` there, and
 * start the admin CLI from the result. A COPY line that forgets a directory, or a run-time dependency
 * kept in devDependencies, fails here. npm ci reuses the local npm cache (--prefer-offline).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The sources of the Dockerfile's `COPY <src>… <dest>` lines (not `COPY --from`), relative to the repository. */
function copiedPaths(dockerfile: string): string[] {
  return dockerfile
    .split('\n')
    .filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l))
    .flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
}

t.test('docker/build.sh builds a tree that starts, from what the Dockerfile copies', async (t) => {
  const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  t.match(dockerfile, /^RUN docker\/build\.sh deps$/m, 'the Dockerfile runs the script');
  t.match(dockerfile, /^RUN docker\/build\.sh check$/m);
  t.same(
    dockerfile.split('\n').filter((l) => l.startsWith('RUN ') && !l.startsWith('RUN docker/build.sh ')),
    [],
    'every RUN step is in docker/build.sh',
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parse-sync-image-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const p of copiedPaths(dockerfile)) await cp(path.join(ROOT, p), path.join(dir, p), { recursive: true });
  t.notOk((await readdir(dir)).includes('node_modules'), 'starts without node_modules');

  // Node 24 first on PATH (the image's node); npm is whatever the machine has, as in the image.
  const env = {
    PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    NPM_CI_FLAGS: '--prefer-offline',
  };
  const opts = { cwd: dir, env, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 };
  await run('sh', ['docker/build.sh', 'deps'], opts);
  const modules = await readdir(path.join(dir, 'node_modules'));
  t.ok(modules.includes('fastify') && modules.includes('tsx'), 'run-time dependencies installed');
  t.notOk(modules.includes('tap') || modules.includes('typescript'), 'no devDependencies in the image');
  const check = await run('sh', ['docker/build.sh', 'check'], opts);
  t.match(check.stdout, /build check: ok/);

  const help = await run(process.execPath, ['--import', 'tsx', 'src/bin/admin.ts', '--help', '--lang', 'en'], opts);
  t.match(help.stdout, /^usage: admin <command>/);
  const misuse = await run('sh', ['docker/build.sh', 'bogus'], opts).catch((e: { code: number; stderr: string }) => e);
  t.match(misuse, { code: 2, stderr: /usage: docker\/build\.sh/ });
});
