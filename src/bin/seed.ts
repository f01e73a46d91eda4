/** `make seed`: runs every sql/seed/*.sql with psql against the database in use (idempotent files). */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from './bootstrap.ts';
import { runMain } from './main.ts';

const SEED_DIR = fileURLToPath(new URL('../../sql/seed/', import.meta.url));

runMain('seed', async () => {
  const env = loadConfig();
  const runtime = await resolveRuntime(env);
  await prepareRuntimeDatabase(runtime, env);
  const files = (await readdir(SEED_DIR)).filter((f) => f.endsWith('.sql')).sort();
  for (const file of files) {
    process.stdout.write(`seed: ${file}\n`);
    await promisify(execFile)('psql', [runtime.databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-f', SEED_DIR + file]);
  }
  process.stdout.write(`seed: ${files.length} files applied\n`);
});
