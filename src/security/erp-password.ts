/** The ERP password's envelope: bound to its tenant and ERP type (AES-GCM additional data). */
import type { ErpConnectionRow, SecretEnvelope } from '../db/schema.ts';
import { openSecret, sealSecret, type Keyring } from './secret-box.ts';

/** The context of envelopes sealed before they named their row (version 1). */
const LEGACY_ERP_PASSWORD_CONTEXT = 'sync_erp_connection.password';
/** A connection is identified by (tenant_id, erp_type), known before the row exists, so the envelope binds those. */
const erpPasswordContext = (tenantId: string, erpType: string) => `${LEGACY_ERP_PASSWORD_CONTEXT}:${tenantId}:${erpType}`;

/** Seals the ERP password for this tenant's connection of this ERP type only. */
export function sealErpPassword(plain: string, ring: Keyring, o: { tenantId: string; erpType: string }): SecretEnvelope {
  return sealSecret(plain, ring, erpPasswordContext(o.tenantId, o.erpType));
}

/** The clear password of a connection row (in memory only); a copied envelope throws SecretKeyError. */
export function openErpPassword(
  row: Pick<ErpConnectionRow, 'tenant_id' | 'erp_type'> & { password: SecretEnvelope },
  ring: Keyring,
): string {
  return openSecret(row.password, ring, erpPasswordContext(row.tenant_id, row.erp_type), LEGACY_ERP_PASSWORD_CONTEXT);
}
