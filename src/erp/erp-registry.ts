/**
 * One connection pool per tenant ERP connection, built from `sync_erp_connection` (password
 * decrypted in memory only) and rebuilt when the row's `version` changes.
 */
import type { Executor } from '../db/connect.ts';
import { findErpConnection } from '../db/erp-connections.ts';
import { findTenant } from '../db/tenants.ts';
import type { Keyring } from '../security/secret-box.ts';
import { erpOptionsFromRow } from './erp-connection-options.ts';
import { PermanentErpError } from './erp-errors.ts';
import { createErpPool, type ErpPool } from './erp-pool.ts';

export function createErpRegistry(deps: { db: Executor; keyring: Keyring }) {
  const pools = new Map<string, { version: number; pool: ErpPool }>();
  return {
    /** The pool for the tenant's (enabled, direct-mode) ERP connection. */
    async forTenant(tenantId: string, erpType?: string): Promise<ErpPool> {
      const row = await findErpConnection(deps.db, tenantId, erpType);
      if (!row || row.mode !== 'direct' || !row.host || !row.password) {
        throw new PermanentErpError(`tenant ${tenantId} has no direct ERP connection${erpType ? ` for ${erpType}` : ''}; set one with: admin erp set ${tenantId} ${erpType ?? '<erp_type>'} …`, { statement: 'connect' });
      }
      const key = `${tenantId}\u0000${row.erp_type}`;
      const cached = pools.get(key);
      if (cached && cached.version === row.version) return cached.pool;
      if (cached) void cached.pool.drain();
      const tenant = await findTenant(deps.db, tenantId);
      const pool = createErpPool(erpOptionsFromRow(row, deps.keyring, tenant?.timezone ?? 'UTC'));
      pools.set(key, { version: row.version, pool });
      return pool;
    },
    async closeAll(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.pool.drain()));
      pools.clear();
    },
  };
}

export type ErpRegistry = ReturnType<typeof createErpRegistry>;
