/**
 * The whole product as a customer runs it, for end-to-end tests: a migrated database with the
 * psql seeds (tenant `default`, Axioma configs), the ERP SIMULATOR loaded with an Axioma-like
 * database, hub and admin keys, and real server and worker processes.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { AXIOMA_SCHEMA, loadAxiomaSample } from '../erp-sim/axioma-demo.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { simulatorTarget, type ErpTarget } from './erp-target.ts';
import { freePort, startBin, TEST_SECRET_KEY, waitForOutput } from './processes.ts';
import { keyring, tenantWithErp } from './sync-fixture.ts';
import { sealErpPassword } from '../../src/security/erp-password.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface E2eStack {
  db: TestDatabase;
  erp: ErpTarget;
  base: string;
  keys: { hub: string; admin: string };
}

export async function startE2eStack(
  t: { teardown(fn: () => unknown): void },
  o: { suppliers?: number; webhookUrl?: string; env?: Record<string, string> } = {},
): Promise<E2eStack> {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  for (const ddl of AXIOMA_SCHEMA) await erp.pool.execute(ddl);
  await loadAxiomaSample(erp.db!.pool, o.suppliers ?? 30);
  for (const f of ['axioma.sql', 'softland.sql'])
    await promisify(execFile)('psql', [db.url, '-v', 'ON_ERROR_STOP=1', '-q', '-f', path.join(ROOT, 'sql/seed', f)]);
  await db.db.deleteFrom('sync_tenant').where('id', '=', 'acme').execute();
  await tenantWithErp(db.db, erp, 'tmp');
  // The password envelope is bound to its tenant: moving the row to `default` means sealing it for `default`.
  const password = JSON.stringify(sealErpPassword(erp.options.password, keyring, { tenantId: 'default', erpType: 'AXIOMA' }));
  await db.db.updateTable('sync_erp_connection').set({ tenant_id: 'default', password }).where('tenant_id', '=', 'tmp').execute();
  if (o.webhookUrl) await db.db.updateTable('sync_tenant').set({ webhook_url: o.webhookUrl }).where('id', '=', 'default').execute();
  const keys = { hub: '', admin: '' };
  for (const scope of ['hub', 'admin'] as const) {
    const k = generateApiKey();
    await insertApiKey(db.db, { tenantId: 'default', hash: k.hash, prefix: k.prefix, scopes: [scope] });
    keys[scope] = k.raw;
  }
  const port = await freePort();
  const env = {
    DATABASE_URL: db.url,
    SYNC_SECRET_KEY: TEST_SECRET_KEY,
    PORT: String(port),
    RETRY_BASE_MS: '300',
    RETRY_CAP_MS: '1000',
    WEBHOOK_RETRY_SCHEDULE_MS: '300,300',
    QUEUE_SUPERVISE_SECONDS: '1',
    LOG_LEVEL: 'info',
    ...o.env,
  };
  const server = startBin('server', [], { env });
  const worker = startBin('worker', [], { env });
  t.teardown(() => {
    server.kill('SIGKILL');
    worker.kill('SIGKILL');
  });
  await Promise.all([waitForOutput(server, /Server listening/, 60_000), waitForOutput(worker, /worker ready/, 60_000)]);
  return { db, erp, base: `http://127.0.0.1:${port}`, keys };
}
