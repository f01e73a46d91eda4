/**
 * The deep connection test of a stored ERP connection: the HTTP route and the admin CLI's `erp test`
 * share it (same checks, same dry runs), each wording the refusals for its own audience.
 */
import type { Executor } from '../db/connect.ts';
import { listEntityConfigs } from '../db/entity-configs.ts';
import type { ErpConnectionRow } from '../db/schema.ts';
import { tenantTimeZone } from '../db/tenants.ts';
import { erpOptionsFromRow } from '../erp/erp-connection-options.ts';
import type { Keyring } from '../security/secret-box.ts';
import { readableConfigs } from './entity-config.ts';
import { probeErpConnection, type ProbeEntity, type ProbeLang, type ProbeReport } from './erp-probe.ts';

/** Why the server cannot probe this connection: the site agent runs its queries, or it has no password yet. */
export type ProbeRefusal = 'agent_mode' | 'no_password';

export function probeRefusal(row: ErpConnectionRow): ProbeRefusal | undefined {
  if (row.mode !== 'direct') return 'agent_mode';
  if (!row.password) return 'no_password';
  return undefined;
}

/**
 * Probes a stored connection (call `probeRefusal` first). Without `entities`, dry-runs every enabled
 * config of the tenant on that ERP type; the ERP clock is read in the tenant's time zone.
 */
export async function probeStoredConnection(
  db: Executor,
  keyring: Keyring,
  o: { row: ErpConnectionRow; lang: ProbeLang; entities?: ProbeEntity[]; onlyDryRun?: boolean },
): Promise<ProbeReport> {
  const entities =
    o.entities ??
    readableConfigs(await listEntityConfigs(db, o.row.tenant_id, { enabled: true, erpType: o.row.erp_type })).map((c) => ({
      entityType: c.entity_type,
      queries: c.queries,
    }));
  return probeErpConnection({
    connection: erpOptionsFromRow(o.row, keyring, await tenantTimeZone(db, o.row.tenant_id)),
    entities,
    lang: o.lang,
    onlyDryRun: o.onlyDryRun,
  });
}
