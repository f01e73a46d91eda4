/** `make migrate`: applies pending migrations and prints what ran. */
import { loadConfig } from '../config/config.ts';
import { resolveRuntime } from '../config/bootstrap.ts';
import { createDb } from '../db/connect.ts';
import { prepareDatabase } from '../queue/boss.ts';
import { runMain } from './main.ts';

runMain('migrate', async () => {
  const runtime = await resolveRuntime(loadConfig());
  const dbh = createDb({ url: runtime.databaseUrl, max: 2 });
  try {
    const result = await prepareDatabase(dbh.db, runtime.databaseUrl);
    const ran = result.results ?? [];
    process.stdout.write(ran.length ? ran.map((r) => `migrated: ${r.migrationName}\n`).join('') : 'migrations: up to date\n');
  } finally {
    await dbh.close();
  }
});
