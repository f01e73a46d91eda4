/** `make migrate`: applies pending migrations and prints what ran. */
import { loadConfig } from '../config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from './bootstrap.ts';
import { runMain } from './main.ts';

runMain('migrate', async () => {
  const env = loadConfig();
  const runtime = await resolveRuntime(env);
  const result = await prepareRuntimeDatabase(runtime, env);
  const ran = result?.results ?? [];
  process.stdout.write(ran.length ? ran.map((r) => `migrated: ${r.migrationName}\n`).join('') : 'migrations: up to date\n');
});
