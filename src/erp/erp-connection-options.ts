/** A `sync_erp_connection` row as driver options (password opened in memory only): the registry and the connection test share it. */
import { openErpPassword } from '../security/erp-password.ts';
import type { ErpConnectionRow } from '../db/schema.ts';
import type { Keyring } from '../security/secret-box.ts';
import type { ErpConnectionOptions } from './erp-pool.ts';

/** What `sync_erp_connection.options` may hold. */
export interface ErpConnectionExtras {
  request_timeout_ms?: number;
  connect_timeout_ms?: number;
  server_certificate_pem?: string;
  pool_max?: number;
}

export function erpOptionsFromRow(row: ErpConnectionRow, keyring: Keyring, timeZone: string): ErpConnectionOptions {
  const options = row.options as ErpConnectionExtras;
  return {
    host: row.host ?? '',
    port: row.port ?? 1433,
    instanceName: row.instance_name,
    database: row.database ?? 'master',
    user: row.username ?? '',
    password: row.password ? openErpPassword({ ...row, password: row.password }, keyring) : '',
    encrypt: row.encrypt,
    trustServerCertificate: row.trust_server_certificate,
    serverCertificatePem: options.server_certificate_pem,
    requestTimeoutMs: options.request_timeout_ms,
    connectTimeoutMs: options.connect_timeout_ms,
    timeZone,
    pool: { max: options.pool_max ?? 4 },
  };
}
