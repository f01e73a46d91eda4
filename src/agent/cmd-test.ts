/** `ax-sync-client test`: each check ✔/✘ with the next step; queries are prepared inside a transaction that is rolled back. */
import type { ErpPool } from '../erp/erp-pool.ts';
import { createBackend } from './backend.ts';
import type { RemoteConfig } from './config-file.ts';
import { EXIT, erpPool, loadSettings, remoteConfig, type Ctx } from './context.ts';

const ROLLED_BACK = 'rolled back on purpose';
class RolledBack extends Error {
  constructor() {
    super(ROLLED_BACK);
  }
}

export async function cmdTest(ctx: Ctx): Promise<number> {
  const { settings, password } = await loadSettings(ctx);
  const m = ctx.m;
  let failed = false;
  const line = (ok: boolean, label: string, detail: string, next?: string) => {
    if (!ok) failed = true;
    ctx.out(`${ok ? '✔' : '✘'} ${label}${detail ? `: ${detail}` : ''}${!ok && next ? ` → ${next}` : ''}`);
  };
  const backend = createBackend(settings);
  try {
    await backend.health();
    line(true, m.checkBackend, settings.url);
  } catch (err) {
    line(false, m.checkBackend, (err as Error).message, m.nextBackend);
  }
  let remote: RemoteConfig | undefined;
  try {
    remote = await remoteConfig(ctx, settings, password);
    line(true, m.checkKey, `tenant ${settings.tenantId}, config v${remote.version}`);
  } catch (err) {
    line(false, m.checkKey, (err as Error).message, m.nextKey);
  }
  if (remote) {
    let pool: ErpPool | undefined;
    try {
      pool = erpPool(settings, remote);
      await pool.execute('SELECT 1 AS ok', {}, { name: 'login' });
      line(true, m.checkLogin, `${remote.sqlServerUser}@${remote.sqlServerHost}:${remote.sqlServerPort}/${remote.sqlServerDatabase}`);
      try {
        const r = await pool.execute(
          "SELECT SERVERPROPERTY('ProductVersion') AS version, SERVERPROPERTY('Edition') AS edition",
          {},
          { name: 'version' },
        );
        line(true, m.checkVersion, `${r.rows[0]?.version ?? '?'} ${r.rows[0]?.edition ?? ''}`.trim());
      } catch (err) {
        line(false, m.checkVersion, (err as Error).message);
      }
      line(true, m.checkTls, settings.encrypt === 'off' ? m.tlsOff : `${m.tlsOn} (encrypt=${settings.encrypt})`);
      const tables = [...remote.configuracionTablas.tablasSubida];
      for (const t of tables) {
        // Run for real but read one row only, inside a transaction that is rolled back: the query is
        // compiled and its objects resolved on this SQL Server, and nothing is changed.
        try {
          const param = /@ultimaSync\b/i.test(t.process.query)
            ? 'ultimaSync'
            : /@lastSync\b/i.test(t.process.query)
              ? 'lastSync'
              : undefined;
          await pool
            .transaction(async (tx) => {
              for await (const _ of tx.query(
                t.process.query,
                param ? { [param]: { type: 'datetime2', value: '9999-12-31T00:00:00' } } : {},
                { name: 'process' },
              ))
                break;
              throw new RolledBack();
            })
            .catch((err) => {
              if (!(err instanceof RolledBack) && !String((err as Error).message).includes(ROLLED_BACK)) throw err;
            });
          line(true, m.checkQuery(t.nombre), '');
        } catch (err) {
          line(false, m.checkQuery(t.nombre), (err as Error).message, m.nextQuery);
        }
      }
    } catch (err) {
      const e = err as Error & { number?: number };
      line(false, m.checkLogin, `${e.message}${e.number ? ` (SQL Server ${e.number})` : ''}`, m.nextLogin);
    } finally {
      await pool?.drain();
    }
  }
  ctx.out(failed ? m.testFailed : m.testOk);
  return failed ? EXIT.failed : EXIT.ok;
}
