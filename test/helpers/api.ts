/** An in-process API on a real loopback socket, with two tenants, their keys and a few configs. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { insertApiKey, revokeApiKey } from '../../src/db/api-keys.ts';
import type { ApiScope } from '../../src/db/schema.ts';
import { createTenant } from '../../src/db/tenants.ts';
import { buildApp } from '../../src/http/app.ts';
import { createSyncQueue, type SyncQueue } from '../../src/queue/sync-queue.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { announceDeadLeases, emitHubOutcomeEvents, emitWebhookEvents } from '../../src/webhooks/events.ts';
import { createTenantDb, TENANT_LIMITS_DEFAULT, type TenantLimits } from '../../src/sync/tenant-limits.ts';
import { createKeyring } from '../../src/security/secret-box.ts';
import { TEST_SECRET_KEY } from './processes.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { createPullScheduler } from '../../src/sync/pull-scheduler.ts';
import { silentLogger, startTestBoss } from './boss.ts';

export interface TestApi {
  db: TestDatabase;
  app: FastifyInstance;
  base: string;
  queue: SyncQueue;
  keys: { hub: string; admin: string; agent: string; otherHub: string; otherAdmin: string; revoked: string };
  /** fetch against the API with a key (or none) and a JSON body. */
  call(
    method: string,
    path: string,
    opts?: { key?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Row counts of every table of ours and pg-boss's jobs: equal before and after means nothing was written. */
  snapshot(): Promise<Record<string, string>>;
}

export async function startTestApi(
  t: { teardown(fn: () => unknown): void },
  opts: {
    bodyLimit?: number;
    rateLimitPerMinute?: number;
    limits?: TenantLimits;
    tenantPool?: boolean;
    metricsToken?: string;
    authFailuresPerMinute?: number;
  } = {},
): Promise<TestApi> {
  const db = await createTestDatabase(t);
  for (const id of ['acme', 'other']) await createTenant(db.db, { id, name: id.toUpperCase(), timezone: 'America/Argentina/Buenos_Aires' });
  for (const tenant of ['acme', 'other']) {
    await db.db
      .insertInto('sync_entity_config')
      .values([
        {
          tenant_id: tenant,
          entity_type: 'PROVEEDOR',
          erp_type: 'AXIOMA',
          direction: 'IN',
          queries: JSON.stringify({ select_all: 'SELECT * FROM Proveedores' }),
          field_mapping: JSON.stringify({ erp_to_hub: { CodProv: 'id', RazonSocial: 'nombre' } }),
        },
        {
          tenant_id: tenant,
          entity_type: 'ORDEN_COMPRA',
          erp_type: 'AXIOMA',
          direction: 'OUT',
          queries: JSON.stringify({ insert: 'INSERT INTO OC (Numero) OUTPUT INSERTED.Id VALUES (@numero)' }),
          field_mapping: JSON.stringify({ hub_to_erp: { numero: 'Numero', fecha: 'Fecha', proveedor: 'CodProv', total: 'Total' } }),
        },
      ])
      .execute();
  }
  const key = async (tenant: string, scope: ApiScope) => {
    const k = generateApiKey();
    await insertApiKey(db.db, { tenantId: tenant, hash: k.hash, prefix: k.prefix, scopes: [scope] });
    return k;
  };
  const revoked = await key('acme', 'admin');
  await revokeApiKey(db.db, revoked.prefix);
  const keys = {
    hub: (await key('acme', 'hub')).raw,
    admin: (await key('acme', 'admin')).raw,
    agent: (await key('acme', 'agent')).raw,
    otherHub: (await key('other', 'hub')).raw,
    otherAdmin: (await key('other', 'admin')).raw,
    revoked: revoked.raw,
  };
  const boss = await startTestBoss(t, db.url);
  const queue = createSyncQueue({
    boss,
    onDeadLeases: announceDeadLeases(boss),
    afterSettle: (trx, settled) => emitHubOutcomeEvents(trx, boss, settled),
  });
  // The server's separate pool for tenant-shaped reads, with its timeouts (src/bin/server.ts does the same).
  const tenantDb = opts.tenantPool ? createTenantDb(db.url, opts.limits ?? TENANT_LIMITS_DEFAULT, () => {}) : undefined;
  if (tenantDb) t.teardown(() => tenantDb.close());
  const app = await buildApp({
    db: db.db,
    logger: silentLogger,
    queue,
    pulls: createPullScheduler({ boss }),
    keyring: createKeyring(TEST_SECRET_KEY),
    bodyLimit: opts.bodyLimit ?? 5 * 1024 * 1024,
    rateLimitPerMinute: opts.rateLimitPerMinute ?? 100_000,
    limits: opts.limits,
    tenantDb: tenantDb?.db,
    emitWebhookEvents: (executor, events) => emitWebhookEvents(executor, boss, events),
    metricsToken: opts.metricsToken,
    authFailuresPerMinute: opts.authFailuresPerMinute ?? 100_000,
    destinations: { allowPrivate: true },
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());

  return {
    db,
    app,
    base,
    queue,
    keys,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.key) headers['x-api-key'] = o.key;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(base + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async snapshot() {
      const r = await sql<Record<string, string>>`
        select (select count(*) from sync_tenant) tenants, (select count(*) from sync_api_key) keys,
               (select count(*) from sync_entity_config) configs, (select count(*) from sync_data) data,
               (select count(*) from sync_queue) queue, (select count(*) from sync_log) logs, (select count(*) from sync_state) state,
               (select count(*) from sync_erp_connection) erp, (select count(*) from pgboss.job) jobs,
               (select coalesce(sum(xmin::text::bigint), 0) from sync_queue) queue_versions`.execute(db.db);
      return r.rows[0]!;
    },
  };
}
