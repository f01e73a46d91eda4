/** What every agent command shares: exit codes, the run context, the agent's files, its settings and its SQL Server pool. */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';
import path from 'node:path';
import { openAgentEnvelope } from '../security/agent-envelope.ts';
import { createErpPool, type ErpPool } from '../erp/erp-pool.ts';
import { BackendError, createBackend } from './backend.ts';
import { ConfigFileError, readSettings, writeSettings, type AgentSettings, type RemoteConfig } from './config-file.ts';
import type { Messages } from './messages.ts';
import { readPassword } from './password.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}

export interface Ctx {
  dir: string;
  m: Messages;
  out(line: string): void;
  err(line: string): void;
}

/** The folder of the agent's files: --dir, else next to the executable (a SEA), else the working directory. */
export function agentDir(flag: string | undefined): string {
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

export const files = (dir: string) => ({
  config: path.join(dir, 'sync-config.enc'),
  state: path.join(dir, 'last-sync.json'),
  lock: path.join(dir, 'sync.lock'),
});

/**
 * The network as an office expects it: HTTPS_PROXY / HTTP_PROXY / NO_PROXY honoured by fetch, and an
 * extra CA (a company's own TLS inspection or internal CA) trusted beside the bundled ones.
 */
export function applyNetwork(caFile: string | undefined): void {
  const env = process.env;
  if (env.HTTPS_PROXY || env.HTTP_PROXY || env.https_proxy || env.http_proxy)
    (http as unknown as { setGlobalProxyFromEnv?: () => void }).setGlobalProxyFromEnv?.();
  if (caFile) tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(caFile, 'utf8')]);
}

export async function loadSettings(ctx: Ctx): Promise<{ settings: AgentSettings; password: string }> {
  const file = files(ctx.dir).config;
  if (!existsSync(file)) throw new ConfigFileError('missing', file);
  const password = await readPassword(ctx.m);
  const settings = readSettings(file, password);
  applyNetwork(settings.caFile);
  return { settings, password };
}

export function erpPool(s: AgentSettings, remote: RemoteConfig): ErpPool {
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
export async function remoteConfig(ctx: Ctx, s: AgentSettings, password: string): Promise<RemoteConfig> {
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
