import { PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';

/** Creates the pg-boss instance of a process (not started). Its schema lives in the same database as ours. */
export function createBoss(opts: { url: string; logger: Logger; max?: number; supervise?: boolean }): PgBoss {
  const boss = new PgBoss({
    connectionString: opts.url,
    application_name: 'parse-sync-boss',
    max: opts.max ?? 10,
    useListenNotify: true,
    supervise: opts.supervise ?? true,
  });
  // Without a listener pg-boss errors would crash the process; they are transient and logged.
  boss.on('error', (err) => opts.logger.error({ err }, 'pg-boss error'));
  return boss;
}
