/**
 * sync-config.enc: the agent's settings (backend URL, tenant, API key, cached remote config),
 * AES-256-GCM under a key derived from the operator's password with scrypt (memory-hard); salt and
 * scrypt parameters are stored beside the ciphertext so they can be raised later. The header is
 * authenticated too (AAD), so editing any byte of the file is detected.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './files.ts';

export interface AgentSettings {
  url: string;
  tenantId: string;
  apiKey: string;
  /** Local SQL Server transport options (the remote config does not carry them). */
  encrypt: 'off' | 'on' | 'strict';
  trustServerCertificate: boolean;
  /** IANA zone of this machine's SQL Server wall clock. */
  timeZone: string;
  /** Extra CA (PEM) to trust for the backend's TLS. */
  caFile?: string;
  /** The last remote configuration (GET /api/sync/config), used when the backend is unreachable. */
  remote?: RemoteConfig;
}

export interface RemotePhase {
  enabled: boolean;
  ejecutarEn?: 'origen' | 'destino';
  sql?: string;
}
export interface RemoteTable {
  nombre: string;
  primaryKey: string | null;
  incremental?: boolean;
  campoFecha?: string | null;
  pre_process: RemotePhase;
  process: { query: string };
  post_process: RemotePhase;
  schema: { columns: { name: string; type: string; nullable?: boolean }[] } | null;
}
export interface RemoteConfig {
  tenantId: string;
  sqlServerHost: string | null;
  sqlServerPort: number;
  sqlServerDatabase: string | null;
  sqlServerUser: string | null;
  sqlServerPassword: { alg: 'A256GCM+HKDF-SHA256'; iv: string; tag: string; ct: string } | null;
  configuracionTablas: { tablasSubida: RemoteTable[]; tablasBajada: RemoteTable[] };
  /** 'agent': Hub documents for this ERP are written by this agent (absent from older servers). */
  modo?: 'direct' | 'agent';
  version: number;
  ultimaModificacion: string;
}

/** Why the file could not be opened: each has its own message, all exit with code 2. */
export class ConfigFileError extends Error {
  constructor(
    readonly reason: 'missing' | 'password' | 'format',
    file: string,
  ) {
    super(`${reason}: ${file}`);
  }
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const MAGIC = 'ax-sync-config/v1';

interface Envelope {
  format: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
  tag: string;
  ct: string;
}

function deriveKey(password: string, salt: Buffer, p: { N: number; r: number; p: number }): Buffer {
  return scryptSync(password.normalize('NFC'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r });
}

const aad = (e: Pick<Envelope, 'format' | 'N' | 'r' | 'p' | 'salt'>) => Buffer.from(JSON.stringify([e.format, e.N, e.r, e.p, e.salt]));

export function sealSettings(settings: AgentSettings, password: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const head = { format: MAGIC, kdf: 'scrypt' as const, ...SCRYPT, salt: salt.toString('base64') };
  const c = createCipheriv('aes-256-gcm', deriveKey(password, salt, SCRYPT), iv);
  c.setAAD(aad(head));
  const ct = Buffer.concat([c.update(JSON.stringify(settings), 'utf8'), c.final()]);
  const env: Envelope = { ...head, iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
  return JSON.stringify(env, null, 1) + '\n';
}

export function openSettings(text: string, password: string, file: string): AgentSettings {
  let env: Envelope;
  try {
    env = JSON.parse(text) as Envelope;
  } catch {
    throw new ConfigFileError('format', file);
  }
  const sane =
    env &&
    env.format === MAGIC &&
    env.kdf === 'scrypt' &&
    [env.N, env.r, env.p].every((n) => Number.isInteger(n) && n > 0) &&
    env.N <= 2 ** 20 &&
    env.r <= 32 &&
    env.p <= 16 &&
    [env.salt, env.iv, env.tag, env.ct].every((s) => typeof s === 'string');
  if (!sane) throw new ConfigFileError('format', file);
  try {
    const d = createDecipheriv('aes-256-gcm', deriveKey(password, Buffer.from(env.salt, 'base64'), env), Buffer.from(env.iv, 'base64'));
    d.setAAD(aad(env));
    d.setAuthTag(Buffer.from(env.tag, 'base64'));
    const plain = Buffer.concat([d.update(Buffer.from(env.ct, 'base64')), d.final()]).toString('utf8');
    return JSON.parse(plain) as AgentSettings;
  } catch {
    // GCM cannot tell a wrong password from a modified file: the message names both.
    throw new ConfigFileError('password', file);
  }
}

export function readSettings(file: string, password: string): AgentSettings {
  if (!existsSync(file)) throw new ConfigFileError('missing', file);
  return openSettings(readFileSync(file, 'utf8'), password, file);
}

export function writeSettings(file: string, settings: AgentSettings, password: string): void {
  writeFileAtomic(file, sealSettings(settings, password), 0o600);
}
