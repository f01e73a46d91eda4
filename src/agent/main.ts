/**
 * ax-sync-client: seed 001's on-site agent. Commands: init, test, sync, status, config show,
 * schedule, --version, --help. Exit codes (for Task Scheduler): 0 ok, 1 run failed or partial,
 * 2 usage or configuration.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openAgentEnvelope } from '../security/agent-envelope.ts';
import { createErpPool, type ErpPool } from '../erp/erp-pool.ts';
import { BackendError, createBackend, type LogEntry } from './backend.ts';
import { ConfigFileError, readSettings, writeSettings, type AgentSettings, type RemoteConfig } from './config-file.ts';
import { acquireLock, createLogFiles } from './files.ts';
import { createLogQueue } from './log-queue.ts';
import { messages, pickLang, type Messages } from './messages.ts';
import { readPassword } from './password.ts';
import { installWindowsTask, scheduleText } from './schedule.ts';
import { readState, writeState } from './state.ts';
import { deliverDocuments } from './documents.ts';
import { downloadTable, uploadTable, type TableResult } from './sync-run.ts';

declare const AGENT_VERSION: string | undefined;
const VERSION = typeof AGENT_VERSION === 'string' ? AGENT_VERSION : '0.0.0-dev';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

class UsageError extends Error {}
const ROLLED_BACK = 'rolled back on purpose';
class RolledBack extends Error {
  constructor() {
    super(ROLLED_BACK);
  }
}

interface Ctx {
  dir: string;
  m: Messages;
  out(line: string): void;
  err(line: string): void;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  lang: { type: 'string' },
  dir: { type: 'string' },
  url: { type: 'string' },
  tenant: { type: 'string' },
  key: { type: 'string' },
  encrypt: { type: 'string' },
  timezone: { type: 'string' },
  'trust-server-certificate': { type: 'string' },
  'ca-file': { type: 'string' },
  'upload-only': { type: 'boolean' },
  'download-only': { type: 'boolean' },
  'documents-only': { type: 'boolean' },
  table: { type: 'string' },
  full: { type: 'boolean' },
  every: { type: 'string' },
  install: { type: 'boolean' },
} as const;

/** The folder of the agent's files: --dir, else next to the executable (a SEA), else the working directory. */
function agentDir(flag: string | undefined): string {
  if (flag) return path.resolve(flag);
  const isSea = (() => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('node:sea') as { isSea(): boolean }).isSea();
    } catch {
      return false;
    }
  })();
  return isSea ? path.dirname(process.execPath) : process.cwd();
}

const files = (dir: string) => ({
  config: path.join(dir, 'sync-config.enc'),
  state: path.join(dir, 'last-sync.json'),
  lock: path.join(dir, 'sync.lock'),
});

/**
 * The network as an office expects it: HTTPS_PROXY / HTTP_PROXY / NO_PROXY honoured by fetch, and an
 * extra CA (a company's own TLS inspection or internal CA) trusted beside the bundled ones.
 */
function applyNetwork(caFile: string | undefined): void {
  const env = process.env;
  if (env.HTTPS_PROXY || env.HTTP_PROXY || env.https_proxy || env.http_proxy)
    (http as unknown as { setGlobalProxyFromEnv?: () => void }).setGlobalProxyFromEnv?.();
  if (caFile) tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(caFile, 'utf8')]);
}

async function loadSettings(ctx: Ctx): Promise<{ settings: AgentSettings; password: string }> {
  const file = files(ctx.dir).config;
  if (!existsSync(file)) throw new ConfigFileError('missing', file);
  const password = await readPassword(ctx.m);
  const settings = readSettings(file, password);
  applyNetwork(settings.caFile);
  return { settings, password };
}

function erpPool(s: AgentSettings, remote: RemoteConfig): ErpPool {
  if (!remote.sqlServerHost || !remote.sqlServerDatabase)
    throw new UsageError('the server configuration has no SQL Server host/database (admin erp set … --mode agent)');
  const password = remote.sqlServerPassword ? openAgentEnvelope(remote.sqlServerPassword, s.apiKey, s.tenantId) : '';
  return createErpPool({
    host: remote.sqlServerHost,
    port: remote.sqlServerPort,
    database: remote.sqlServerDatabase,
    user: remote.sqlServerUser ?? '',
    password,
    encrypt: s.encrypt,
    trustServerCertificate: s.trustServerCertificate,
    timeZone: s.timeZone,
    connectTimeoutMs: 10_000,
    pool: { max: 2 },
  });
}

/** The remote config, re-cached (encrypted) when its version moved; the cached one when the backend is down. */
async function remoteConfig(ctx: Ctx, s: AgentSettings, password: string): Promise<RemoteConfig> {
  try {
    const fresh = await createBackend(s).config();
    if (!s.remote || s.remote.version !== fresh.version) {
      s.remote = fresh;
      writeSettings(files(ctx.dir).config, s, password);
    }
    return s.remote;
  } catch (err) {
    if (err instanceof BackendError && err.status === 0 && s.remote) {
      ctx.err(ctx.m.configUnreachable);
      return s.remote;
    }
    throw err;
  }
}

async function cmdInit(ctx: Ctx, v: Record<string, string | boolean | undefined>): Promise<number> {
  const [url, tenant, key] = [v.url, v.tenant, v.key] as (string | undefined)[];
  if (!url || !tenant || !key) throw new UsageError(ctx.m.initMissing);
  if (!/^https?:\/\/[^\s/]+/i.test(url)) throw new UsageError(ctx.m.initBadUrl(url));
  const encrypt = (v.encrypt as string | undefined) ?? 'on';
  if (!['off', 'on', 'strict'].includes(encrypt)) throw new UsageError('--encrypt: off | on | strict');
  const password = await readPassword(ctx.m);
  const settings: AgentSettings = {
    url,
    tenantId: tenant,
    apiKey: key,
    encrypt: encrypt as AgentSettings['encrypt'],
    trustServerCertificate: v['trust-server-certificate'] !== 'false',
    timeZone: (v.timezone as string | undefined) ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    caFile: v['ca-file'] as string | undefined,
  };
  if (settings.caFile && !existsSync(settings.caFile)) throw new UsageError(`--ca-file: ${settings.caFile}`);
  if (settings.caFile) settings.caFile = path.resolve(settings.caFile);
  applyNetwork(settings.caFile);
  try {
    settings.remote = await createBackend(settings).config();
  } catch (err) {
    const e = err as BackendError;
    ctx.err(e.status === 401 || e.status === 403 ? ctx.m.initRejected(e.status) : ctx.m.initUnreachable(e.message));
    return EXIT.usage;
  }
  mkdirSync(ctx.dir, { recursive: true });
  writeSettings(files(ctx.dir).config, settings, password);
  ctx.out(ctx.m.initDone(files(ctx.dir).config));
  return EXIT.ok;
}

async function cmdTest(ctx: Ctx): Promise<number> {
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

async function cmdSync(ctx: Ctx, v: Record<string, string | boolean | undefined>): Promise<number> {
  if ([v['upload-only'], v['download-only'], v['documents-only']].filter(Boolean).length > 1)
    throw new UsageError('--upload-only / --download-only / --documents-only: only one');
  const { settings, password } = await loadSettings(ctx);
  const f = files(ctx.dir);
  const lock = acquireLock(f.lock);
  if ('heldBy' in lock) {
    ctx.err(ctx.m.locked(lock.heldBy));
    return EXIT.failed;
  }
  const log = createLogFiles(ctx.dir);
  const queue = createLogQueue(ctx.dir);
  const startedAt = new Date().toISOString();
  let pool: ErpPool | undefined;
  const results: TableResult[] = [];
  try {
    const backend = createBackend(settings);
    const remote = await remoteConfig(ctx, settings, password);
    const table = v.table as string | undefined;
    const pick = (ts: RemoteConfig['configuracionTablas']['tablasSubida']) =>
      table ? ts.filter((t) => t.nombre.toLowerCase() === table.toLowerCase()) : ts;
    const up = v['download-only'] || v['documents-only'] ? [] : pick(remote.configuracionTablas.tablasSubida);
    const down = v['upload-only'] || v['documents-only'] ? [] : pick(remote.configuracionTablas.tablasBajada);
    // Hub documents (mode agent) go in a full run or with --documents-only.
    const documents = remote.modo === 'agent' && (v['documents-only'] || (!table && !v['upload-only'] && !v['download-only']));
    if (table && !up.length && !down.length) throw new UsageError(ctx.m.noTable(table));
    pool = erpPool(settings, remote);
    const state = readState(f.state);
    const deps = {
      pool,
      backend,
      state,
      saveState: () => writeState(f.state, state),
      log: (e: LogEntry) => {
        queue.push(e);
        log.write(e.estado === 'error' ? 'error' : 'info', e.mensaje ?? e.errorDetalle ?? '', {
          tabla: e.tabla,
          fase: e.fase,
          estado: e.estado,
          filas: e.registrosAfectados,
          error: e.errorDetalle,
        });
      },
      progress: process.stderr.isTTY ? (t: string, n: number) => process.stderr.write(`${ctx.m.progress(t, n)}\r`) : undefined,
    };
    for (const t of up) {
      const r = await uploadTable(deps, t, { full: Boolean(v.full) });
      results.push(r);
      ctx.out(r.ok ? ctx.m.uploadDone(r.table, r.read, r.changed) : ctx.m.tableFailed(r.table, r.error!));
    }
    for (const t of down) {
      const r = await downloadTable(deps, t);
      results.push(r);
      ctx.out(r.ok ? ctx.m.downloadDone(r.table, r.read, r.changed) : ctx.m.tableFailed(r.table, r.error!));
    }
    if (documents) {
      try {
        // Test-only: die like a power cut between the ERP commit and the acknowledgement.
        const afterCommit =
          process.env.AX_SYNC_TEST_CRASH_AFTER_ERP_COMMIT === '1' ? () => process.kill(process.pid, 'SIGKILL') : undefined;
        const d = await deliverDocuments({ pool, backend, afterCommit });
        for (const e of d.errors) log.write('error', e, { tabla: 'documentos' });
        results.push({
          table: 'documentos',
          direction: 'download',
          ok: d.failed === 0,
          read: d.written + d.existing + d.failed,
          changed: d.written,
          error: d.errors[0],
        });
        ctx.out(ctx.m.documentsDone(d.written, d.existing, d.failed));
      } catch (err) {
        results.push({ table: 'documentos', direction: 'download', ok: false, read: 0, changed: 0, error: (err as Error).message });
        ctx.out(ctx.m.tableFailed('documentos', (err as Error).message));
      }
    }
    const errors = results.filter((r) => !r.ok).length;
    state.runs.push({
      startedAt,
      finishedAt: new Date().toISOString(),
      status: errors === 0 ? 'ok' : errors < results.length ? 'partial' : 'error',
      tables: results.length,
      errors,
    });
    deps.saveState();
    const left = await queue.flush(backend);
    if (left) ctx.err(ctx.m.logsQueued(left));
    ctx.out(errors ? ctx.m.syncFailed : ctx.m.syncOk);
    log.write(errors ? 'error' : 'info', errors ? 'sync finished with errors' : 'sync finished', { tables: results.length, errors });
    return errors ? EXIT.failed : EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigFileError) throw err;
    log.write('error', (err as Error).message);
    ctx.err(ctx.m.tableFailed('sync', (err as Error).message));
    return EXIT.failed;
  } finally {
    await pool?.drain().catch(() => undefined);
    lock.release();
  }
}

async function cmdStatus(ctx: Ctx): Promise<number> {
  const s = readState(files(ctx.dir).state);
  if (!s.runs.length && !Object.keys(s.tables).length) {
    ctx.out(ctx.m.noRuns);
    return EXIT.ok;
  }
  for (const r of s.runs.slice(-10)) ctx.out(`${r.startedAt}  ${r.status.padEnd(7)}  tablas=${r.tables} errores=${r.errors}`);
  for (const [name, t] of Object.entries(s.tables))
    ctx.out(
      `  ${name.padEnd(28)} ${t.status.padEnd(5)} ${t.lastRun}  filas=${t.rowsRead} cambios=${t.rowsChanged}${t.cursor ? `  cursor=${t.cursor}` : ''}${t.error ? `  ${t.error}` : ''}`,
    );
  return EXIT.ok;
}

async function cmdConfigShow(ctx: Ctx): Promise<number> {
  const { settings } = await loadSettings(ctx);
  const redacted = {
    ...settings,
    apiKey: `${settings.apiKey.slice(0, 12)}…(oculta)`,
    remote: settings.remote ? { ...settings.remote, sqlServerPassword: settings.remote.sqlServerPassword ? '(cifrada)' : null } : undefined,
  };
  ctx.out(JSON.stringify(redacted, null, 2));
  return EXIT.ok;
}

export async function run(
  argv: string[],
  io: { out(l: string): void; err(l: string): void } = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const m = messages(pickLang(undefined));
    io.err(`${(err as Error).message}\n\n${m.usage}`);
    return EXIT.usage;
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const ctx: Ctx = { dir: agentDir(v.dir as string | undefined), m: messages(pickLang(v.lang as string | undefined)), ...io };
  if (v.version) {
    io.out(`ax-sync-client ${VERSION} (node ${process.version}, ${process.platform}-${process.arch})`);
    return EXIT.ok;
  }
  const [cmd, sub] = parsed.positionals;
  if (v.help || !cmd) {
    io.out(ctx.m.usage);
    return v.help ? EXIT.ok : EXIT.usage;
  }
  try {
    switch (cmd) {
      case 'init':
        return await cmdInit(ctx, v);
      case 'test':
        return await cmdTest(ctx);
      case 'sync':
        return await cmdSync(ctx, v);
      case 'status':
        return await cmdStatus(ctx);
      case 'config':
        if (sub !== 'show') throw new UsageError(ctx.m.unknownCommand(`config ${sub ?? ''}`));
        return await cmdConfigShow(ctx);
      case 'schedule': {
        const every = Number(v.every ?? 5);
        if (!Number.isInteger(every) || every < 1 || every > 1439) throw new UsageError('--every: 1..1439');
        if (v.install && process.platform === 'win32') {
          installWindowsTask({ dir: ctx.dir, everyMinutes: every });
          return EXIT.ok;
        }
        io.out(scheduleText(ctx.m, { dir: ctx.dir, exe: process.execPath, everyMinutes: every, platform: process.platform }));
        return EXIT.ok;
      }
      default:
        throw new UsageError(ctx.m.unknownCommand(cmd));
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message);
      return EXIT.usage;
    }
    if (err instanceof ConfigFileError) {
      io.err(
        err.reason === 'missing'
          ? ctx.m.noConfig(path.basename(files(ctx.dir).config))
          : err.reason === 'password'
            ? ctx.m.badPassword('sync-config.enc')
            : ctx.m.badFile('sync-config.enc'),
      );
      return EXIT.usage;
    }
    if ((err as { code?: string }).code === 'NO_PASSWORD') {
      io.err(ctx.m.noPassword);
      return EXIT.usage;
    }
    io.err((err as Error).message);
    return EXIT.failed;
  }
}
