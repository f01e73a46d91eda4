/** `make db-stop`: stops the embedded PostgreSQL that server and worker share. */
import { loadConfig } from '../config/config.ts';
import { resolveRuntime } from './bootstrap.ts';
import { runMain } from './main.ts';

runMain('db-stop', async () => {
  const env = loadConfig();
  if (env.DATABASE_URL) throw Object.assign(new Error('DATABASE_URL is set: that server is not ours to stop'), { exitCode: 1 });
  const runtime = await resolveRuntime(env);
  await runtime.stopEmbedded();
  process.stdout.write('embedded PostgreSQL stopped\n');
});
