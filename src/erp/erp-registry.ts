/**
 * One connection pool per tenant ERP connection, built from `sync_erp_connection` (password
 * decrypted in memory only) and rebuilt when the row's `version` changes.
 */
import type { Executor } from '../db/connect.ts';
import { findErpConnection } from '../db/erp-connections.ts';
import { tenantTimeZone } from '../db/tenants.ts';
import type { Logger } from '../config/logger.ts';
import { DestinationRefusedError, resolveDestination, type DestinationPolicy } from '../security/destination-policy.ts';
import type { Keyring } from '../security/secret-box.ts';
import { erpOptionsFromRow } from './erp-connection-options.ts';
import { PermanentErpError, RetryableErpError } from './erp-errors.ts';
import { createErpPool, type ErpPool } from './erp-pool.ts';

export function createErpRegistry(deps: { db: Executor; keyring: Keyring; destinations: DestinationPolicy; logger?: Logger }) {
  const pools = new Map<string, { version: number; pool: ErpPool }>();
  return {
    /** The pool for the tenant's (enabled, direct-mode) ERP connection. */
    async forTenant(tenantId: string, erpType?: string): Promise<ErpPool> {
      const row = await findErpConnection(deps.db, tenantId, erpType);
      if (!row || row.mode !== 'direct' || !row.host || !row.password) {
        throw new PermanentErpError(
          `tenant ${tenantId} has no direct ERP connection${erpType ? ` for ${erpType}` : ''}; set one with: admin erp set ${tenantId} ${erpType ?? '<erp_type>'} …`,
          { statement: 'connect' },
        );
      }
      const key = `${tenantId}\u0000${row.erp_type}`;
      const cached = pools.get(key);
      if (cached && cached.version === row.version) return cached.pool;
      if (cached) void cached.pool.drain();
      // The host's resolved addresses pass the destination policy before any connection is opened.
      // Without TLS name validation the checked address itself is dialled, so a re-pointed name cannot slip in.
      let address: string;
      try {
        address = (await resolveDestination(row.host, deps.destinations))[0]!.address;
      } catch (err) {
        deps.logger?.warn(
          { tenantId, erpType: row.erp_type, err: err instanceof DestinationRefusedError ? err.detail : String(err) },
          'ERP destination refused or unresolvable',
        );
        // The tenant-facing message names neither the host nor its addresses.
        if (err instanceof DestinationRefusedError) throw new PermanentErpError(`ERP connection: ${err.message}`, { statement: 'connect' });
        throw new RetryableErpError('ERP connection: the host name cannot be resolved', { statement: 'connect' });
      }
      const pinned = row.encrypt === 'off' || row.trust_server_certificate;
      const pool = createErpPool({
        ...erpOptionsFromRow(row, deps.keyring, await tenantTimeZone(deps.db, tenantId)),
        host: pinned ? address : row.host,
      });
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
