/** The API server for bench/api.ts, in its own process (so the load generator does not share its event loop), plus one bare route as the baseline. */
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/config/logger.ts';
import { createDb } from '../src/db/connect.ts';
import { buildApp } from '../src/http/app.ts';
import { createBoss } from '../src/queue/boss.ts';
import { createSyncQueue } from '../src/queue/sync-queue.ts';
import { createPullScheduler } from '../src/sync/pull-scheduler.ts';
import { createKeyring } from '../src/security/secret-box.ts';

const env = loadConfig();
const logger = createLogger({ level: 'warn', name: 'bench-api' });
const dbh = createDb({ url: env.DATABASE_URL!, max: 20 });
const boss = createBoss({ url: env.DATABASE_URL!, logger, max: 10, supervise: false, schedule: false });
await boss.start();
const app = await buildApp({
  db: dbh.db,
  logger,
  queue: createSyncQueue({ boss }),
  pulls: createPullScheduler({ boss }),
  keyring: createKeyring(env.SYNC_SECRET_KEY!),
  bodyLimit: env.BODY_LIMIT_BYTES,
  rateLimitPerMinute: 10_000_000,
  authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
});
app.get('/bench/bare', async () => ({ ok: true }));
const address = await app.listen({ host: '127.0.0.1', port: env.PORT });
process.stdout.write(`listening ${address}\n`);
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => boss.stop({ graceful: false }))
      .then(() => dbh.close())
      .then(() => process.exit(0)),
);
