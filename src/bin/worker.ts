/** Queue worker process: `make worker` / `npm run worker`. */
import { loadConfig } from '../config/config.ts';
import { resolveRuntime } from '../config/bootstrap.ts';
import { createLogger } from '../config/logger.ts';
import { createDb } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createBoss } from '../queue/boss.ts';
import { onShutdownSignal, runMain } from './main.ts';

runMain('worker', async () => {
  const env = loadConfig();
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'worker', pretty: process.stdout.isTTY });
  const runtime = await resolveRuntime(env, (line) => logger.info(line));
  const dbh = createDb({ url: runtime.databaseUrl, onError: (err) => logger.warn({ err }, 'idle database connection lost') });
  await migrateToLatest(dbh.db, runtime.databaseUrl);
  const boss = createBoss({ url: runtime.databaseUrl, logger });
  await boss.start();
  logger.info({ concurrency: env.WORKER_CONCURRENCY }, 'worker ready');
  onShutdownSignal(async (signal) => {
    logger.info({ signal }, 'worker stopping');
    // Graceful: stop fetching, let active jobs finish (jobs not finished in time are retried by pg-boss).
    await boss.stop({ graceful: true, timeout: 7000 });
    await dbh.close();
  });
});
