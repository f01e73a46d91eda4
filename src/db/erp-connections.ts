import { openSecret, sealSecret, type Keyring } from '../security/secret-box.ts';
import type { Executor } from './connect.ts';
import type { EncryptMode, ErpConnectionRow, SecretEnvelope } from './schema.ts';

/** The context of envelopes sealed before they named their row (version 1). */
const LEGACY_ERP_PASSWORD_CONTEXT = 'sync_erp_connection.password';
/** A connection is identified by (tenant_id, erp_type), known before the row exists, so the envelope binds those. */
const erpPasswordContext = (tenantId: string, erpType: string) => `${LEGACY_ERP_PASSWORD_CONTEXT}:${tenantId}:${erpType}`;

/** Seals the ERP password for this tenant's connection of this ERP type only. */
export function sealErpPassword(plain: string, ring: Keyring, o: { tenantId: string; erpType: string }): SecretEnvelope {
  return sealSecret(plain, ring, erpPasswordContext(o.tenantId, o.erpType));
}

/** The clear password of a connection row (in memory only); a copied envelope throws SecretKeyError. */
export function openErpPassword(row: Pick<ErpConnectionRow, 'tenant_id' | 'erp_type'> & { password: SecretEnvelope }, ring: Keyring): string {
  return openSecret(row.password, ring, erpPasswordContext(row.tenant_id, row.erp_type), LEGACY_ERP_PASSWORD_CONTEXT);
}

export interface ErpConnectionInput {
  tenantId: string;
  erpType: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password: SecretEnvelope;
  encrypt: EncryptMode;
  trustServerCertificate: boolean;
  instanceName?: string | null;
}

/** Creates or replaces the tenant's connection for an ERP type; `version` goes up on every change. */
export async function upsertErpConnection(db: Executor, c: ErpConnectionInput): Promise<ErpConnectionRow> {
  const values = {
    tenant_id: c.tenantId,
    erp_type: c.erpType,
    host: c.host,
    port: c.port,
    database: c.database,
    username: c.username,
    password: JSON.stringify(c.password),
    encrypt: c.encrypt,
    trust_server_certificate: c.trustServerCertificate,
    instance_name: c.instanceName ?? null,
  };
  return db
    .insertInto('sync_erp_connection')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'erp_type']).doUpdateSet((eb) => ({
        host: eb.ref('excluded.host'),
        port: eb.ref('excluded.port'),
        database: eb.ref('excluded.database'),
        username: eb.ref('excluded.username'),
        password: eb.ref('excluded.password'),
        encrypt: eb.ref('excluded.encrypt'),
        trust_server_certificate: eb.ref('excluded.trust_server_certificate'),
        instance_name: eb.ref('excluded.instance_name'),
        version: eb('sync_erp_connection.version', '+', 1),
        updated_at: new Date(),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findErpConnection(db: Executor, tenantId: string, erpType?: string): Promise<ErpConnectionRow | undefined> {
  let q = db.selectFrom('sync_erp_connection').selectAll().where('tenant_id', '=', tenantId).where('enabled', '=', true);
  if (erpType) q = q.where('erp_type', '=', erpType);
  return q.orderBy('id').executeTakeFirst();
}
