/** `make db-url`: prints the DATABASE_URL in use (embedded or not) and nothing else. */
import { loadConfig } from '../config/config.ts';
import { resolveRuntime } from './bootstrap.ts';
import { runMain } from './main.ts';

runMain('db-url', async () => {
  const runtime = await resolveRuntime(loadConfig());
  process.stdout.write(runtime.databaseUrl + '\n');
});
