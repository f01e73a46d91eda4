/**
 * The typed client (`parse-sync/client`) against the real server on a loopback socket: inbound
 * iteration is at-least-once, outbound sends are idempotent across retries, errors are typed, and
 * webhooks signed by the server verify (and forged ones do not).
 */
import t from 'tap';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { createHubClient, HubApiError, verifyWebhook, WebhookVerificationError } from '../../src/client/index.ts';
import type { EnqueueInput } from '../../src/queue/sync-queue.ts';
import { generateWebhookSecret, signWebhook } from '../../src/webhooks/signature.ts';
import { startTestApi } from '../helpers/api.ts';

const supplier = (n: number): EnqueueInput => ({
  tenantId: 'acme',
  source: 'ERP',
  destination: 'HUB',
  entityType: 'PROVEEDOR',
  entityId: `PRV-${n}`,
  action: 'UPSERT',
  payload: { id: `PRV-${n}`, saldo: `${n}.10` },
});

t.test('inbound(): every item once, acked in batches; the one being handled when the loop throws comes back', async (t) => {
  const api = await startTestApi(t);
  await api.queue.enqueueMany(
    api.db.db,
    Array.from({ length: 250 }, (_, n) => supplier(n)),
  );
  const client = createHubClient({ baseUrl: api.base, apiKey: api.keys.hub });

  const seen: string[] = [];
  await t.rejects(
    (async () => {
      for await (const item of client.inbound('proveedor', { limit: 100 })) {
        if (seen.length === 120) throw new Error('the Hub’s database is down');
        seen.push(item.entity_id);
      }
    })(),
    /database is down/,
  );
  const counts = async () =>
    Object.fromEntries(
      (await api.db.pool.query(`select status, count(*)::int n from sync_queue group by 1`)).rows.map((r) => [r.status, r.n]),
    );
  t.same(
    await counts(),
    { COMPLETED: 120, IN_FLIGHT: 80, PENDING: 50 },
    'handled items acked; the failing one and the rest of its lease not',
  );

  await api.db.pool.query(`update sync_queue set lease_expires_at = now() - interval '1 second' where status = 'IN_FLIGHT'`);
  const second: string[] = [];
  for await (const item of client.inbound('PROVEEDOR', { limit: 100 })) {
    if (item.entity_id === 'PRV-249') item.fail('rejected by the Hub: missing CUIT');
    second.push(item.entity_id);
  }
  t.equal(new Set([...seen, ...second]).size, 250, 'every item reached the Hub');
  t.same(await counts(), { COMPLETED: 249, FAILED: 1 });
  t.equal(
    (await api.db.pool.query(`select error_message from sync_queue where status = 'FAILED'`)).rows[0].error_message,
    'rejected by the Hub: missing CUIT',
  );
});

t.test('outbound: one Idempotency-Key → one item; status and retry by the Hub’s own id; errors are typed', async (t) => {
  const api = await startTestApi(t);
  const client = createHubClient({ baseUrl: api.base, apiKey: api.keys.hub });
  const doc = { entity_id: 'OC-2026-001', action: 'CREATE' as const, payload: { numero: 'OC-2026-001', total: '1234.50' } };
  const a = await client.sendOutbound('ORDEN_COMPRA', doc, { idempotencyKey: 'oc-2026-001' });
  const b = await client.sendOutbound('ORDEN_COMPRA', doc, { idempotencyKey: 'oc-2026-001' });
  t.equal(a.sync_id, b.sync_id, 'the same key is the same item');
  t.equal((await client.status('ORDEN_COMPRA', 'OC-2026-001')).sync_id, a.sync_id, 'status by the Hub’s id');

  const retryLive = await client.retry('ORDEN_COMPRA', 'OC-2026-001').catch((e: unknown) => e);
  t.ok(retryLive instanceof HubApiError && retryLive.status === 409 && retryLive.code === 'CONFLICT', 'a pending item cannot be retried');
  await api.db.pool.query(`update sync_queue set status = 'DEAD', error_message = 'ERP said no' where id = $1`, [a.sync_id]);
  const retried = await client.retry('ORDEN_COMPRA', 'OC-2026-001');
  t.match(retried, { sync_id: a.sync_id, status: 'PENDING', error_message: null, retry_count: 0 });

  const other = createHubClient({ baseUrl: api.base, apiKey: api.keys.otherHub });
  const foreign = await other.retry('ORDEN_COMPRA', a.sync_id).catch((e: unknown) => e);
  t.ok(foreign instanceof HubApiError && foreign.status === 404 && foreign.code === 'NOT_FOUND', 'another tenant’s item looks unknown');
  const unknown = await client.sendOutbound('NO_SUCH_ENTITY', doc).catch((e: unknown) => e);
  t.ok(unknown instanceof HubApiError && unknown.status === 404, 'typed error for an unknown entity');

  t.same(
    await client.schema('proveedor'),
    {
      entity_type: 'PROVEEDOR',
      receives: [
        { name: 'id', type: 'unknown' },
        { name: 'nombre', type: 'unknown' },
      ],
      sends: null,
    },
    'schema discovery: inbound fields',
  );
  t.same(
    (await client.schema('ORDEN_COMPRA')).sends?.map((f) => f.name).sort(),
    ['fecha', 'numero', 'proveedor', 'total'],
    'outbound fields (jsonb keeps no key order)',
  );
  const noSchema = await other.schema('NO_SUCH_ENTITY').catch((e: unknown) => e);
  t.ok(noSchema instanceof HubApiError && noSchema.status === 404);

  const batch = await client.sendBatch([{ ...doc, entity_id: 'OC-2026-002', entity_type: 'ORDEN_COMPRA' }]);
  t.equal(batch.items.length, 1);
  t.same((await client.pendingCounts()).entities, []);
});

t.test('429 and 5xx are retried, honouring Retry-After; a POST keeps its Idempotency-Key across attempts', async (t) => {
  const seen: { method: string; key: string | undefined }[] = [];
  const answers = [429, 503, 202];
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, key: req.headers['idempotency-key'] as string | undefined });
    req.resume();
    const status = answers.shift() ?? 500;
    res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '0' } : {}) });
    res.end(
      status === 202
        ? JSON.stringify({ sync_id: 'x', status: 'PENDING' })
        : JSON.stringify({ success: false, error: { code: 'BUSY', message: 'busy', details: null } }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const client = createHubClient({
    baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    apiKey: 'sk_live_x',
    retryBaseMs: 1,
  });
  t.same(await client.sendOutbound('ORDEN_COMPRA', { entity_id: 'OC-1', action: 'CREATE', payload: {} }), {
    sync_id: 'x',
    status: 'PENDING',
  });
  t.equal(seen.length, 3);
  t.equal(new Set(seen.map((s) => s.key)).size, 1, 'one key for every attempt');
  t.ok(seen[0]!.key, 'a key was generated');

  answers.push(500, 500);
  const give = createHubClient({
    baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    apiKey: 'sk_live_x',
    retryBaseMs: 1,
    maxRetries: 1,
  });
  const err = await give.pendingCounts().catch((e: unknown) => e);
  t.ok(err instanceof HubApiError && err.status === 500 && err.code === 'BUSY', 'after the last attempt, the API’s error code');
});

t.test('verifyWebhook accepts what the server signs (and the standardwebhooks library agrees), refuses forgeries', async (t) => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({
    type: 'sync.completed',
    timestamp: '2026-11-23T12:00:00.000Z',
    data: { sync_id: 's1', entity_type: 'ORDEN_COMPRA', entity_id: 'OC-1', external_id: '4711' },
  });
  const now = new Date();
  const headers = signWebhook({ id: 'msg_1', timestamp: now, body, secrets: [secret] });
  const event = await verifyWebhook(headers, body, secret, { now });
  t.equal(event.type, 'sync.completed');
  if (event.type === 'sync.completed') t.equal(event.data.external_id, '4711', 'typed data');
  t.ok(new Webhook(secret).verify(body, headers as unknown as Record<string, string>), 'the reference library verifies the same headers');

  const rotated = signWebhook({ id: 'msg_2', timestamp: now, body, secrets: [generateWebhookSecret(), secret] });
  t.equal((await verifyWebhook(rotated, body, secret, { now })).id, 'msg_2', 'any of several signatures while a secret rotates');
  await t.rejects(verifyWebhook(headers, body.replace('4711', '4712'), secret, { now }), WebhookVerificationError, 'tampered body');
  await t.rejects(verifyWebhook(headers, body, generateWebhookSecret(), { now }), WebhookVerificationError, 'wrong secret');
  await t.rejects(verifyWebhook(headers, body, secret, { now: new Date(now.getTime() + 10 * 60_000) }), /too far/, 'stale timestamp');
  await t.rejects(verifyWebhook({ ...headers, 'webhook-signature': '' }, body, secret, { now }), /missing/);
});
