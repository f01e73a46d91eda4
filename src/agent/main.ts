/**
 * ax-sync-client: seed 001's on-site agent. Commands: init, test, sync, status, config show,
 * schedule, --version, --help. Exit codes (for Task Scheduler): 0 ok, 1 run failed or partial,
 * 2 usage or configuration.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ErpPool } from '../erp/erp-pool.ts';
import { BackendError, createBackend, type LogEntry } from './backend.ts';
import { ConfigFileError, writeSettings, type AgentSettings, type RemoteConfig } from './config-file.ts';
import { acquireLock, createLogFiles } from './files.ts';
import { createLogQueue } from './log-queue.ts';
import { messages, pickLang } from './messages.ts';
import { readPassword } from './password.ts';
import { cmdTest } from './cmd-test.ts';
import { agentDir, applyNetwork, erpPool, EXIT, files, loadSettings, remoteConfig, UsageError, type Ctx } from './context.ts';
import { installWindowsTask, scheduleText } from './schedule.ts';
import { readState, writeState } from './state.ts';
import { deliverDocuments } from './documents.ts';
import { downloadTable, uploadTable, type TableResult } from './sync-run.ts';

declare const AGENT_VERSION: string | undefined;
const VERSION = typeof AGENT_VERSION === 'string' ? AGENT_VERSION : '0.0.0-dev';

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
