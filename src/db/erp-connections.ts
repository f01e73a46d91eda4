import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import type { EncryptMode, ErpConnectionRow, SecretEnvelope } from './schema.ts';

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

/** Issue 15: the settings an operator edits over HTTP; `password` undefined keeps the sealed one. */
export interface ErpConnectionSettings {
  tenantId: string;
  erpType: string;
  mode: 'direct' | 'agent';
  host: string | null;
  port: number | null;
  instanceName: string | null;
  database: string | null;
  username: string | null;
  password?: SecretEnvelope;
  encrypt: EncryptMode;
  trustServerCertificate: boolean;
  options: Record<string, unknown>;
}

/** Creates or changes the tenant's connection for an ERP type (version + 1 on change, so pools are rebuilt). */
export async function saveErpConnectionSettings(db: Executor, s: ErpConnectionSettings): Promise<ErpConnectionRow> {
  const values = {
    mode: s.mode,
    host: s.host,
    port: s.port,
    instance_name: s.instanceName,
    database: s.database,
    username: s.username,
    encrypt: s.encrypt,
    trust_server_certificate: s.trustServerCertificate,
    options: JSON.stringify(s.options),
    ...(s.password ? { password: JSON.stringify(s.password) } : {}),
  };
  const updated = await db
    .updateTable('sync_erp_connection')
    .set((eb) => ({ ...values, version: eb('version', '+', 1), updated_at: new Date() }))
    .where('tenant_id', '=', s.tenantId)
    .where('erp_type', '=', s.erpType)
    .returningAll()
    .executeTakeFirst();
  return (
    updated ??
    db
      .insertInto('sync_erp_connection')
      .values({ tenant_id: s.tenantId, erp_type: s.erpType, ...values })
      .returningAll()
      .executeTakeFirstOrThrow()
  );
}

export async function findErpConnectionById(db: Executor, tenantId: string, id: string): Promise<ErpConnectionRow | undefined> {
  return db.selectFrom('sync_erp_connection').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}
