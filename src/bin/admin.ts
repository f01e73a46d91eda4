/** `make admin ARGS="…"` / `npm run admin -- …`: see src/admin/admin-cli.ts for the commands. */
import { text } from 'node:stream/consumers';
import { CommandFailedError, runAdmin, usage, wantsHelp } from '../admin/admin-cli.ts';
import { langFromEnv } from '../admin/messages.ts';
import { loadConfig } from '../config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from './bootstrap.ts';
import { createDb } from '../db/connect.ts';
import { tenantLimitsFrom } from '../sync/tenant-limits.ts';
import { runMain } from './main.ts';
import type { PgBoss } from 'pg-boss';

runMain('admin', async () => {
  const args = process.argv.slice(2);
  const lang = langFromEnv(process.env);
  // Help needs no database, and never starts one.
  if (wantsHelp(args)) {
    process.stdout.write(usage(args, lang) + '\n');
    return;
  }
  const env = loadConfig();
  // The CLI joins the running embedded cluster; it never starts a second one on a forgotten DATA_DIR.
  const runtime = await resolveRuntime(env, () => {}, { startEmbedded: false });
  await prepareRuntimeDatabase(runtime, env);
  const dbh = createDb({ url: runtime.databaseUrl, max: 2 });
  let boss: PgBoss | undefined;
  try {
    await runAdmin(args, {
      db: dbh.db,
      keyring: runtime.keyring,
      destinations: { allowPrivate: env.ALLOW_PRIVATE_DESTINATIONS },
      readStdin: () => (process.stdin.isTTY ? Promise.resolve('') : text(process.stdin)),
      out: (line) => process.stdout.write(line + '\n'),
      lang,
      runsInFlight: tenantLimitsFrom(env).runsInFlight,
      // Like the server's: it only enqueues, never supervises nor schedules (the worker does).
      openQueue: async () => {
        // Loaded here: only `run` needs pg-boss.
        const [{ createLogger }, { createBoss }, { PULL_QUEUE }, { createPullScheduler }] = await Promise.all([
          import('../config/logger.ts'),
          import('../queue/boss.ts'),
          import('../queue/jobs.ts'),
          import('../sync/pull-scheduler.ts'),
        ]);
        boss = createBoss({
          url: runtime.databaseUrl,
          logger: createLogger({ level: 'silent', name: 'admin' }),
          max: 2,
          supervise: false,
          schedule: false,
        });
        await boss.start();
        const b = boss;
        return {
          pulls: createPullScheduler({ boss: b }),
          runState: async (runId) => (await b.getJobById(PULL_QUEUE, runId))?.state,
        };
      },
    });
  } catch (err) {
    // An operator's tool prints one line, never a stack trace: anything unforeseen (the database went
    // away mid-command, pg-boss could not start) is a failure, exit 1, with its message.
    if (err instanceof Error && !('exitCode' in err)) throw new CommandFailedError(err.message, { cause: err });
    throw err;
  } finally {
    await boss?.stop({ graceful: false });
    await dbh.close();
  }
});
