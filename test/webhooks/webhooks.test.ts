import t from 'tap';
import { sql } from 'kysely';
import { createServer, type IncomingMessage } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../src/config/config.ts';
import { createTenant } from '../../src/db/tenants.ts';
import { PermanentError } from '../../src/core/failure.ts';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { startWorkerRuntime } from '../../src/worker/worker-runtime.ts';
import { createKeyring } from '../../src/security/secret-box.ts';
import { generateWebhookSecret, signWebhook } from '../../src/webhooks/signature.ts';
import { readWebhookSecrets, rotateWebhookSecret } from '../../src/webhooks/webhook-secrets.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { eventually, silentLogger, startTestBoss } from '../helpers/boss.ts';
import { TEST_SECRET_KEY } from '../helpers/processes.ts';

t.test('signatures verify with an independent Standard Webhooks implementation; tampering fails', async (t) => {
  const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
  const body = JSON.stringify({ type: 'sync.completed', data: { sync_id: 'x', external_id: '42' } });
  const headers = signWebhook({ id: 'msg_1', timestamp: new Date(), body, secrets: [a, b] });
  t.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
  t.same(new Webhook(a).verify(body, { ...headers }), JSON.parse(body), 'the new secret verifies');
  t.same(new Webhook(b).verify(body, { ...headers }), JSON.parse(body), 'the old secret still verifies during rotation');
  t.throws(() => new Webhook(a).verify(body.replace('42', '43'), { ...headers }), 'a tampered body fails');
  t.throws(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers }), 'another secret fails');
});

t.test('delivery: sync.completed and sync.failed to the Hub, retried on the schedule, logged, then dead-lettered', async (t) => {
  const db = await createTestDatabase(t);
  const keyring = createKeyring(TEST_SECRET_KEY);
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let failuresLeft = 2;
  const hub = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failuresLeft-- > 0) return void res.writeHead(503).end();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  t.teardown(() => hub.close());
  const port = (hub.address() as { port: number }).port;

  await createTenant(db.db, { id: 'acme', name: 'Acme', webhookUrl: `http://127.0.0.1:${port}/api/webhooks/sync` });
  const secret = await rotateWebhookSecret(db.db, keyring, { tenantId: 'acme', keepPrevious: false });
  t.notMatch(
    JSON.stringify(await db.db.selectFrom('sync_tenant').selectAll().execute()),
    secret.slice(6),
    'the secret is stored encrypted',
  );
  t.same((await readWebhookSecrets(db.db, keyring, 'acme')).secrets, [secret]);

  const env = loadConfig({
    DATABASE_URL: db.url,
    SYNC_SECRET_KEY: TEST_SECRET_KEY,
    WEBHOOK_RETRY_SCHEDULE_MS: '200,200',
    RETRY_BASE_MS: '50',
    ALLOW_PRIVATE_DESTINATIONS: 'true',
  });
  const worker = await startWorkerRuntime({
    env,
    databaseUrl: db.url,
    db: db.db,
    logger: silentLogger,
    keyring,
    handlers: [
      {
        destination: 'ERP',
        entityType: 'ORDEN_COMPRA',
        handler: async (item) => {
          if (item.entity_id === 'OC-BAD') throw new PermanentError('Violation of FOREIGN KEY constraint (547)');
          return { externalId: `ERP-${item.entity_id}` };
        },
      },
    ],
  });
  t.teardown(() => worker.stop());
  const queue = createSyncQueue({ boss: await startTestBoss(t, db.url) });
  const ok = await queue.enqueue(db.db, {
    tenantId: 'acme',
    source: 'HUB',
    destination: 'ERP',
    entityType: 'ORDEN_COMPRA',
    entityId: 'OC-1',
    action: 'CREATE',
    payload: {},
  });

  await eventually(async () => received.length >= 3, 20_000, 'three delivery attempts');
  const wh = new Webhook(secret);
  const last = received[2]!;
  const event = wh.verify(last.body, last.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
  t.match(event, {
    type: 'sync.completed',
    data: { sync_id: ok.id, entity_type: 'ORDEN_COMPRA', entity_id: 'OC-1', external_id: 'ERP-OC-1' },
  });
  t.equal(new Set(received.slice(0, 3).map((r) => r.headers['webhook-id'])).size, 1, 'every attempt carries the same webhook-id');
  t.equal(new Set(received.slice(0, 3).map((r) => r.body)).size, 1, 'and the same body');
  // The third attempt's sync_log row is written after the receiver answered: wait for it, not for the request.
  const webhookLogs = () =>
    db.db.selectFrom('sync_log').select(['status', 'message']).where('action', '=', 'WEBHOOK').orderBy('id').execute();
  await eventually(async () => (await webhookLogs()).length >= 3, 20_000, 'three attempts logged');
  const attempts = await webhookLogs();
  t.same(
    attempts.map((a) => a.status),
    ['RETRY', 'RETRY', 'SUCCESS'],
  );
  t.match(attempts[0]!.message, /HTTP 503; next in/);

  failuresLeft = 100;
  await queue.enqueue(db.db, {
    tenantId: 'acme',
    source: 'HUB',
    destination: 'ERP',
    entityType: 'ORDEN_COMPRA',
    entityId: 'OC-BAD',
    action: 'CREATE',
    payload: {},
  });
  await eventually(
    async () =>
      (await db.db.selectFrom('sync_log').select('id').where('action', '=', 'WEBHOOK').where('status', '=', 'DEAD').execute()).length === 1,
    20_000,
    'the failed event to be dead-lettered',
  );
  const failed = received.slice(3).map((r) => JSON.parse(r.body) as { type: string; data: { error: string } });
  t.equal(failed.length, 3, 'three attempts (schedule of two retries), then dead letter');
  t.match(failed[0], { type: 'sync.failed', data: { entity_id: 'OC-BAD', error: /547/ } });
  // A webhook dead letter is its own kind (no queue row to name), not a push item's shape.
  const letters = await sql<{
    data: object;
  }>`select data from pgboss.job where name = 'sync-dead-letter' and data->>'kind' = 'webhook'`.execute(db.db);
  t.match(letters.rows, [
    { data: { kind: 'webhook', type: 'sync.failed', tenantId: 'acme', reason: /^webhook sync\.failed: HTTP 5\d\d/ } },
  ]);
  t.notOk(
    letters.rows.some((r) => 'queueId' in r.data),
    'no made-up queueId',
  );
});
