/**
 * Issue 10 §4: destination policy for webhook URLs and ERP hosts. Link-local and metadata are
 * refused always; loopback/private only with ALLOW_PRIVATE_DESTINATIONS. Refusals happen before
 * any connection (tests only ever dial loopback) and tenant-facing errors carry no address.
 */
import t from 'tap';
import { createServer } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { upsertErpConnection } from '../../src/db/erp-connections.ts';
import { sealErpPassword } from '../../src/security/erp-password.ts';
import { createTenant } from '../../src/db/tenants.ts';
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import { checkDestinationHost, resolveDestination } from '../../src/security/destination-policy.ts';
import { createKeyring } from '../../src/security/secret-box.ts';
import { attempt } from '../../src/webhooks/deliver.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { runBin, TEST_SECRET_KEY } from '../helpers/processes.ts';

const strict = { allowPrivate: false };
const open = { allowPrivate: true };
const ALWAYS = [
  '169.254.169.254',
  '169.254.0.1',
  'fe80::1',
  '[fe80::1]',
  'fd00:ec2::254',
  '::ffff:169.254.169.254',
  'metadata.google.internal',
  'METADATA.GOOGLE.INTERNAL.',
  '0.0.0.0',
  '224.0.0.1',
];
const PRIVATE = [
  '127.0.0.1',
  '127.1.2.3',
  '10.0.0.5',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.10',
  '100.64.0.1',
  '::1',
  '[::1]',
  'fc00::1',
  'fd12:3456::1',
  'localhost',
  'db.localhost',
  '::ffff:10.0.0.1',
];
const PUBLIC = ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', 'erp.example.com'];

t.test('write-time host checks', async (t) => {
  for (const h of ALWAYS)
    for (const p of [strict, open]) t.throws(() => checkDestinationHost(h, p), { code: 'DESTINATION_REFUSED' }, `${h} always refused`);
  for (const h of PRIVATE) {
    t.throws(() => checkDestinationHost(h, strict), { code: 'DESTINATION_REFUSED' }, `${h} refused by default`);
    t.doesNotThrow(() => checkDestinationHost(h, open), `${h} allowed by the operator setting`);
  }
  for (const h of PUBLIC) t.doesNotThrow(() => checkDestinationHost(h, strict), `${h} allowed`);
  t.throws(() => checkDestinationHost('169.254.169.254', open), { message: /never allowed/ });
  t.notMatch(
    (() => {
      try {
        checkDestinationHost('10.0.0.5', strict);
      } catch (e) {
        return (e as Error).message;
      }
    })(),
    /10\.0\.0\.5/,
    'the message names no address',
  );
});

t.test('a name is checked on the addresses it resolves to', async (t) => {
  const name = hostname();
  const resolved = await lookup(name).catch(() => undefined);
  if (!resolved || !/^(127\.|10\.|192\.168\.|::1$)/.test(resolved.address)) {
    t.comment(`${name} does not resolve to a private address here; nothing to check`);
    return;
  }
  t.doesNotThrow(() => checkDestinationHost(name, strict), 'the name itself looks harmless');
  await t.rejects(
    resolveDestination(name, strict),
    { code: 'DESTINATION_REFUSED' },
    `${name} → ${resolved.address} refused at connect time`,
  );
  t.ok((await resolveDestination(name, open)).length > 0);
});

t.test('webhook attempts: refused before connecting, errors without addresses', async (t) => {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const port = (server.address() as { port: number }).port;
  const job = { eventId: 'evt_1', type: 'sync.completed', body: '{}', tenantId: 'acme', attempt: 1 } as never;
  const o = (p: typeof strict) => ({ timeoutMs: 5000, destinations: p });

  for (const url of [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]) {
    const r = await attempt(url, job, ['whsec_dGVzdA=='], o(strict));
    t.equal(r.ok, false, `${url} refused`);
    t.match(r.error, /destination refused/);
    t.notMatch(r.error, /127\.0\.0\.1|localhost|\d{4,5}/, 'no address or port in the tenant-facing error');
  }
  for (const url of [
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://[fd00:ec2::254]/',
  ]) {
    const r = await attempt(url, job, ['whsec_dGVzdA=='], o(open));
    t.match(r, { ok: false, error: /never allowed/ }, `${url} refused even when private is allowed`);
  }
  t.equal(hits, 0, 'no request reached the receiver');
  const ok = await attempt(`http://127.0.0.1:${port}/hook`, job, ['whsec_dGVzdA=='], o(open));
  t.match(ok, { ok: true, status: 200 });
  t.equal(hits, 1, 'allowed by the operator setting');

  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  const refused = await attempt(`http://127.0.0.1:${closedPort}/hook`, job, ['whsec_dGVzdA=='], o(open));
  t.match(refused, { ok: false, error: 'connection failed (ECONNREFUSED)' });
  t.match(refused.detail, String(closedPort), 'the operator detail keeps the address');
});

t.test('ERP connect: the registry refuses before connecting, without network detail', async (t) => {
  const db = await createTestDatabase(t);
  const ring = createKeyring(TEST_SECRET_KEY);
  await createTenant(db.db, { id: 'acme', name: 'Acme' });
  const setHost = (host: string) =>
    upsertErpConnection(db.db, {
      tenantId: 'acme',
      erpType: 'AXIOMA',
      host,
      port: 1433,
      database: 'd',
      username: 'u',
      password: sealErpPassword('p', ring, { tenantId: 'acme', erpType: 'AXIOMA' }),
      encrypt: 'off',
      trustServerCertificate: true,
    });
  for (const [host, policy, re] of [
    ['169.254.169.254', open, /never allowed/],
    ['10.0.0.5', strict, /ALLOW_PRIVATE_DESTINATIONS/],
    ['127.0.0.1', strict, /ALLOW_PRIVATE_DESTINATIONS/],
  ] as const) {
    await setHost(host);
    const registry = createErpRegistry({ db: db.db, keyring: ring, destinations: policy });
    const err = await registry.forTenant('acme').then(
      () => undefined,
      (e: Error) => e,
    );
    t.match(err, { code: 'ERP_PERMANENT', message: re }, `${host} refused`);
    t.notMatch(err!.message, host, 'the tenant-facing message does not name the host');
    await registry.closeAll();
  }
});

t.test('admin CLI refuses forbidden destinations at write time, naming the option', async (t) => {
  const db = await createTestDatabase(t);
  const env = { DATABASE_URL: db.url, SYNC_SECRET_KEY: TEST_SECRET_KEY, ALLOW_PRIVATE_DESTINATIONS: 'false' };
  t.equal((await runBin('admin', ['tenant', 'create', 'acme', '--name', 'Acme'], { env })).code, 0);
  const erp = await runBin(
    'admin',
    ['erp', 'set', 'acme', 'AXIOMA', '--host', '169.254.169.254', '--database', 'd', '--user', 'u', '--password-stdin'],
    { env, stdin: 'pw\n' },
  );
  t.not(erp.code, 0);
  t.match(erp.stderr, /--host: destination refused/);
  const hook = await runBin('admin', ['webhook', 'set', 'acme', '--url', 'http://10.1.2.3/hook'], { env });
  t.not(hook.code, 0);
  t.match(hook.stderr, /--url: destination refused/);
  const tenant = await runBin('admin', ['tenant', 'create', 'b', '--name', 'B', '--webhook-url', 'http://metadata.google.internal/'], {
    env,
  });
  t.match(tenant.stderr, /--webhook-url: destination refused/);
  t.equal((await db.db.selectFrom('sync_erp_connection').select('id').execute()).length, 0, 'no ERP connection written');
  t.same(
    await db.db.selectFrom('sync_tenant').select(['id', 'webhook_url']).execute(),
    [{ id: 'acme', webhook_url: null }],
    'no webhook URL written, no tenant b',
  );
});
