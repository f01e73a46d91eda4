/** HTTP API process: `make server` / `npm run server`. */
import { loadConfig } from '../config/config.ts';
import { resolveRuntime } from '../config/bootstrap.ts';
import { createLogger } from '../config/logger.ts';
import { createDb } from '../db/connect.ts';
import { prepareDatabase } from '../queue/boss.ts';
import { buildApp } from '../http/app.ts';
import { onShutdownSignal, runMain } from './main.ts';

runMain('server', async () => {
  const env = loadConfig();
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'server', pretty: process.stdout.isTTY });
  const runtime = await resolveRuntime(env, (line) => logger.info(line));
  const dbh = createDb({ url: runtime.databaseUrl, onError: (err) => logger.warn({ err }, 'idle database connection lost') });
  await prepareDatabase(dbh.db, runtime.databaseUrl);
  const app = await buildApp({ db: dbh.db, logger, bodyLimit: env.BODY_LIMIT_BYTES });
  await app.listen({ host: env.HOST, port: env.PORT });
  onShutdownSignal(async (signal) => {
    logger.info({ signal }, 'server stopping');
    await app.close(); // stops accepting, lets in-flight requests finish
    await dbh.close();
  });
});
