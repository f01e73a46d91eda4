/** A tenant wired to an ERP target (simulator, Babelfish, SQL Server): erp connection row (encrypted password), configs, a queue. */
import type { Kysely } from 'kysely';
import { upsertErpConnection } from '../../src/db/erp-connections.ts';
import { sealErpPassword } from '../../src/security/erp-password.ts';
import type { Database } from '../../src/db/schema.ts';
import { createTenant } from '../../src/db/tenants.ts';
import { createKeyring } from '../../src/security/secret-box.ts';
import type { ErpTarget } from './erp-target.ts';
import { TEST_SECRET_KEY } from './processes.ts';

export const keyring = createKeyring(TEST_SECRET_KEY);

export async function tenantWithErp(
  db: Kysely<Database>,
  erp: ErpTarget,
  tenantId = 'acme',
  extra: { webhookUrl?: string; erpType?: string } = {},
): Promise<void> {
  await createTenant(db, { id: tenantId, name: 'Acme SA', timezone: 'America/Argentina/Buenos_Aires', webhookUrl: extra.webhookUrl });
  await upsertErpConnection(db, {
    tenantId,
    erpType: extra.erpType ?? 'AXIOMA',
    host: erp.options.host,
    port: erp.options.port!,
    database: erp.options.database,
    username: erp.options.user,
    password: sealErpPassword(erp.options.password, keyring, { tenantId, erpType: extra.erpType ?? 'AXIOMA' }),
    encrypt: 'off',
    trustServerCertificate: true,
  });
}

export const PROVEEDOR_CONFIG = {
  entity_type: 'PROVEEDOR',
  erp_type: 'AXIOMA',
  source_table: 'Proveedores',
  primary_key: 'CodProv',
  timestamp_field: 'FechaModif',
  direction: 'IN' as const,
  queries: JSON.stringify({
    select_all: 'SELECT CodProv, RazonSocial, Cuit, Saldo, FechaModif FROM Proveedores ORDER BY FechaModif, CodProv',
    select_since:
      'SELECT CodProv, RazonSocial, Cuit, Saldo, FechaModif FROM Proveedores WHERE FechaModif >= @lastSync ORDER BY FechaModif, CodProv',
    cursor: { field: 'FechaModif', pk: 'CodProv', lookback_seconds: 0 },
  }),
  field_mapping: JSON.stringify({
    erp_to_hub: { CodProv: 'id', RazonSocial: 'nombre', Cuit: 'cuit', Saldo: 'saldo', FechaModif: 'modificado' },
  }),
  transform_rules: JSON.stringify([
    { rule: 'trim', field: 'nombre' },
    { rule: 'regex_replace', field: 'cuit', pattern: '[^0-9]', replacement: '' },
    { rule: 'number', field: 'saldo', scale: 2 },
  ]),
};
