import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import type { EncryptMode, ErpConnectionRow, SecretEnvelope } from './schema.ts';

/** Context bound into the password envelope (see security/secret-box.ts). */
export const ERP_PASSWORD_CONTEXT = 'sync_erp_connection.password';

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
  /** `agent`: the tenant's on-site agent writes its ERP documents; the worker leaves them alone. */
  mode?: 'direct' | 'agent';
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
    mode: c.mode ?? 'direct',
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
        mode: eb.ref('excluded.mode'),
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

/**
 * Tenants whose ERP only their on-site agent can reach (mode = agent): their ERP-bound items wait
 * for the agent's lease (routes/agent-outbound.ts) and the worker never writes them.
 */
export const AGENT_MODE_TENANTS = sql`select c.tenant_id from sync_erp_connection c where c.mode = 'agent' and c.enabled`;
