/**
 * `make demo`: parse-sync against the ERP SIMULATOR (not a real ERP) loaded with a small
 * Axioma-like database. Embedded PostgreSQL, seeds, keys, server + worker; prints what to try.
 * Demo tooling only — the product never talks to the simulator.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from '../../src/bin/bootstrap.ts';
import { ensureEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { createDb } from '../../src/db/connect.ts';
import { upsertErpConnection } from '../../src/db/erp-connections.ts';
import { sealErpPassword } from '../../src/security/erp-password.ts';
import { createErpPool } from '../../src/erp/erp-pool.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { AXIOMA_SCHEMA, loadAxiomaSample } from '../erp-sim/axioma-demo.ts';
import { startErpSimulator } from '../erp-sim/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ERP_DB = 'erp_simulator_demo';
const ERP_PASSWORD = 'Demo-Sim-Passw0rd';
const say = (s: string) => process.stdout.write(`demo: ${s}\n`);

// The demo's ERP simulator and any webhook receiver live on loopback.
process.env.ALLOW_PRIVATE_DESTINATIONS ??= 'true';
const env = loadConfig();
if (env.DATABASE_URL) throw new Error('make demo runs on the embedded PostgreSQL: unset DATABASE_URL');
const runtime = await resolveRuntime(env, say);
await prepareRuntimeDatabase(runtime, env);
const dbh = createDb({ url: runtime.databaseUrl, max: 3 });

// The simulated ERP's data lives in its own database of the same cluster, made with the cluster's
// superuser (demo tooling; the product's processes never use it).
const cluster = await ensureEmbeddedPostgres({ dataDir: path.resolve(env.DATA_DIR, 'pg'), port: env.EMBEDDED_PG_PORT });
const erpUrl = new URL(cluster.url);
erpUrl.pathname = `/${ERP_DB}`;
const admin = new pg.Client({ connectionString: cluster.url });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${ERP_DB} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${ERP_DB}`);
await admin.end();
const sim = await startErpSimulator({ databaseUrl: erpUrl.toString(), user: 'hub_sync', password: ERP_PASSWORD, port: env.PORT + 1 });
say(`ERP SIMULATOR (not a real SQL Server) on 127.0.0.1:${sim.port}, backed by PostgreSQL database ${ERP_DB}`);
const erp = createErpPool({
  host: '127.0.0.1',
  port: sim.port,
  database: 'axioma',
  user: 'hub_sync',
  password: ERP_PASSWORD,
  encrypt: 'off',
  trustServerCertificate: true,
  timeZone: 'America/Argentina/Buenos_Aires',
});
for (const ddl of AXIOMA_SCHEMA) await erp.execute(ddl);
const erpPg = new pg.Client({ connectionString: erpUrl.toString() });
await erpPg.connect();
await loadAxiomaSample(erpPg, 300);
await erpPg.end();
await erp.drain();
say('simulated Axioma loaded: 300 suppliers, 8 cost centres, 100 payments');

for (const f of ['axioma.sql', 'softland.sql'])
  await promisify(execFile)('psql', [runtime.databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-f', path.join(ROOT, 'sql/seed', f)]);
await upsertErpConnection(dbh.db, {
  tenantId: 'default',
  erpType: 'AXIOMA',
  host: '127.0.0.1',
  port: sim.port,
  database: 'axioma',
  username: 'hub_sync',
  password: sealErpPassword(ERP_PASSWORD, runtime.keyring, { tenantId: 'default', erpType: 'AXIOMA' }),
  encrypt: 'off',
  trustServerCertificate: true,
});
const keys: Record<string, string> = {};
for (const scope of ['hub', 'admin'] as const) {
  const k = generateApiKey();
  await insertApiKey(dbh.db, { tenantId: 'default', hash: k.hash, prefix: k.prefix, scopes: [scope] });
  keys[scope] = k.raw;
}
await dbh.close();

const child = (name: string): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/bin', `${name}.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
const children = [child('server'), child('worker')];
const base = `http://127.0.0.1:${env.PORT}/api/v1/sync`;
await new Promise((r) => setTimeout(r, 4000));
process.stdout.write(`
parse-sync demo is running against an ERP SIMULATOR (a TDS endpoint over PostgreSQL), not a real ERP.

  export HUB_KEY=${keys.hub}
  export ADMIN_KEY=${keys.admin}

Pull suppliers now and watch them arrive for the Hub:
  curl -s -X POST -H "X-API-Key: $ADMIN_KEY" '${base}/run?entity=PROVEEDOR'
  curl -s -H "X-API-Key: $HUB_KEY" ${base}/inbound/pending
  curl -s -H "X-API-Key: $HUB_KEY" '${base}/inbound/PROVEEDOR?limit=5'

Push a purchase order to the ERP and follow it:
  curl -s -H "X-API-Key: $HUB_KEY" -H 'Content-Type: application/json' \\
       -d '{"entity_id":"OC-DEMO-1","action":"CREATE","payload":{"numero":"OC-DEMO-1","fecha":"2026-11-23","proveedor":"PRV-00003","total":"1500.00","sector":"COM","items":[{"articulo":"CEM-50","descripcion":"Cemento","cantidad":10,"precio":"150.00"}]}}' \\
       ${base}/outbound/ORDEN_COMPRA
  curl -s -H "X-API-Key: $HUB_KEY" ${base}/outbound/ORDEN_COMPRA/OC-DEMO-1/status
  curl -s -H "X-API-Key: $ADMIN_KEY" ${base}/status

API docs: http://127.0.0.1:${env.PORT}/docs — Ctrl-C stops everything.
`);
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  void Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))))
    .then(() => sim.close())
    .then(() => (runtime.startedEmbedded ? runtime.stopEmbedded() : undefined))
    .then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
