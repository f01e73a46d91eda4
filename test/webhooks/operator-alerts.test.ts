import t from 'tap';
import { createServer, type IncomingMessage } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { createTenant } from '../../src/db/tenants.ts';
import { createKeyring } from '../../src/security/secret-box.ts';
import { generateWebhookSecret } from '../../src/webhooks/signature.ts';
import { startWorkerRuntime } from '../../src/worker/worker-runtime.ts';
import { eventually, silentLogger } from '../helpers/boss.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { TEST_SECRET_KEY } from '../helpers/processes.ts';

t.test('ALERT_OPERATOR_URL and ALERT_OPERATOR_SECRET go together; a bad secret is named, never echoed', async (t) => {
  t.throws(() => loadConfig({ ALERT_OPERATOR_URL: 'http://127.0.0.1:9/alerts' }), /ALERT_OPERATOR_SECRET: .*go together/);
  t.throws(() => loadConfig({ ALERT_OPERATOR_SECRET: generateWebhookSecret() }), /ALERT_OPERATOR_URL: .*go together/);
  const err = t.throws(() =>
    loadConfig({ ALERT_OPERATOR_URL: 'ftp://127.0.0.1/x', ALERT_OPERATOR_SECRET: 'whsec_c2hvcnQ=' }),
  ) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.match(err.message, /ALERT_OPERATOR_URL: an http\(s\) URL/);
  t.match(err.message, /ALERT_OPERATOR_SECRET: whsec_ followed by at least 24 bytes/);
  t.notMatch(err.message, 'c2hvcnQ=', 'the secret value is not echoed');
});

t.test("the operator's receiver gets every tenant's alert.raised / alert.resolved, signed, even without a tenant webhook", async (t) => {
  const db = await createTestDatabase(t);
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.teardown(() => receiver.close());
  const port = (receiver.address() as { port: number }).port;
  const secret = generateWebhookSecret();

  // The tenant has no webhook: alerts reached nobody before; now the operator sees them.
  await createTenant(db.db, { id: 'acme', name: 'Acme' });
  const dead = await db.db
    .insertInto('sync_queue')
    .values({
      tenant_id: 'acme',
      source: 'HUB',
      destination: 'ERP',
      entity_type: 'ORDEN_COMPRA',
      entity_id: 'OC-1',
      action: 'CREATE',
      status: 'DEAD',
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  // ALLOW_PRIVATE_DESTINATIONS stays false: the operator's own URL is not a tenant destination.
  const env = loadConfig({
    DATABASE_URL: db.url,
    SYNC_SECRET_KEY: TEST_SECRET_KEY,
    ALERT_EVALUATE_SECONDS: '1',
    ALERT_OPERATOR_URL: `http://127.0.0.1:${port}/alerts`,
    ALERT_OPERATOR_SECRET: secret,
  });
  const worker = await startWorkerRuntime({
    env,
    databaseUrl: db.url,
    db: db.db,
    logger: silentLogger,
    keyring: createKeyring(TEST_SECRET_KEY),
    handlers: [],
  });
  t.teardown(() => worker.stop());

  const events = () =>
    received.map(
      (r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string; data: Record<string, unknown> },
    );
  await eventually(async () => received.length >= 1, 20_000, 'alert.raised at the operator');
  t.match(events()[0], { type: 'alert.raised', data: { tenant_id: 'acme', kind: 'dead_items', entity_type: 'ORDEN_COMPRA' } });

  await db.db.updateTable('sync_queue').set({ status: 'COMPLETED' }).where('id', '=', dead.id).execute();
  await eventually(async () => received.length >= 2, 20_000, 'alert.resolved at the operator');
  t.match(events()[1], { type: 'alert.resolved', data: { tenant_id: 'acme', kind: 'dead_items', entity_type: 'ORDEN_COMPRA' } });
  t.equal(events().length, 2, 'raised once, resolved once');
  // A delivery's sync_log row is written after the receiver answered: wait for the row, not the request.
  const webhookLogs = () =>
    db.db.selectFrom('sync_log').select(['status', 'message']).where('action', '=', 'WEBHOOK').orderBy('id').execute();
  await eventually(async () => (await webhookLogs()).length >= 2, 20_000, 'both deliveries logged');
  const logs = await webhookLogs();
  t.same(
    logs.map((l) => l.status),
    ['SUCCESS', 'SUCCESS'],
  );
  t.match(logs[0]!.message, /^operator webhook alert\.raised attempt 1: delivered/);
  t.notMatch(JSON.stringify(logs), String(port), 'the operator URL is not written where the tenant reads its logs');
});
