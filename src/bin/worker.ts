/** Queue worker process: `make worker` / `npm run worker`. */
import { loadConfig } from '../config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from './bootstrap.ts';
import { createLogger } from '../config/logger.ts';
import { createDb } from '../db/connect.ts';
import { startWorkerRuntime } from '../worker/worker-runtime.ts';
import { onShutdownSignal, runMain, surviveLostDatabaseConnections } from './main.ts';

runMain('worker', async () => {
  const env = loadConfig();
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'worker', pretty: process.stdout.isTTY });
  surviveLostDatabaseConnections((err) => logger.warn({ err: err.message }, 'database connection lost'));
  const runtime = await resolveRuntime(env, (line) => logger.info(line));
  const dbh = createDb({
    url: runtime.databaseUrl,
    max: env.WORKER_CONCURRENCY + 2,
    onError: (err) => logger.warn({ err }, 'idle database connection lost'),
  });
  await prepareRuntimeDatabase(runtime, env);
  const worker = await startWorkerRuntime({
    env,
    databaseUrl: runtime.databaseUrl,
    db: dbh.db,
    logger,
    handlers: [],
    keyring: runtime.keyring,
  });
  logger.info({ concurrency: env.WORKER_CONCURRENCY, batchSize: env.WORKER_BATCH_SIZE }, 'worker ready');
  onShutdownSignal(async (signal) => {
    logger.info({ signal }, 'worker stopping');
    await worker.stop();
    await dbh.close();
  });
});
