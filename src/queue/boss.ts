import { PgBoss } from 'pg-boss';
import { ensureQueues } from './jobs.ts';
import { CONFIG_DEFAULTS } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';

/** Creates the pg-boss instance of a process (not started). Its schema lives in the same database as ours. */
export function createBoss(opts: {
  url: string;
  logger: Logger;
  max?: number;
  supervise?: boolean;
  schedule?: boolean;
  superviseIntervalSeconds?: number;
}): PgBoss {
  const boss = new PgBoss({
    connectionString: opts.url,
    application_name: 'parse-sync-boss',
    max: opts.max ?? 10,
    useListenNotify: true,
    supervise: opts.supervise ?? true,
    schedule: opts.schedule ?? true,
    // pg-boss's schema is installed once, under our migration lock (prepareDatabase), not by every process.
    migrate: false,
    createSchema: false,
    // Expired jobs (their worker died) are found by the per-queue monitor, which runs at most
    // every monitorIntervalSeconds: keep both intervals equal so the setting means what it says.
    superviseIntervalSeconds: opts.superviseIntervalSeconds ?? CONFIG_DEFAULTS.QUEUE_SUPERVISE_SECONDS,
    monitorIntervalSeconds: opts.superviseIntervalSeconds ?? CONFIG_DEFAULTS.QUEUE_SUPERVISE_SECONDS,
  });
  // Without a listener pg-boss errors would crash the process; they are transient and logged.
  boss.on('error', (err) => opts.logger.error({ err }, 'pg-boss error'));
  return boss;
}

/** pg-boss's own schema and our queues (run once, under the migration lock: src/bin/bootstrap.ts). */
export async function installBossSchema(url: string): Promise<void> {
  const installer = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false, migrate: true });
  installer.on('error', () => {});
  await installer.start();
  await ensureQueues(installer);
  await installer.stop({ graceful: false });
}
