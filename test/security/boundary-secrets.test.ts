/**
 * Issue 10 §4: secret envelopes bind their tenant and row (AES-GCM additional data); keys still
 * rotate; envelopes from before the binding still open and are rewritten bound on the next save;
 * only agent keys receive the sealed ERP password.
 */
import t from 'tap';
import { createCipheriv, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { upsertErpConnection } from '../../src/db/erp-connections.ts';
import { openErpPassword, sealErpPassword } from '../../src/security/erp-password.ts';
import type { SecretEnvelope } from '../../src/db/schema.ts';
import { createKeyring, keyId } from '../../src/security/secret-box.ts';
import { readWebhookSecrets, rotateWebhookSecret } from '../../src/webhooks/webhook-secrets.ts';
import { openAgentEnvelope } from '../../src/security/agent-envelope.ts';
import { startTestApi } from '../helpers/api.ts';
import { TEST_SECRET_KEY } from '../helpers/processes.ts';

const ring = createKeyring(TEST_SECRET_KEY);

/** An envelope as the code before the binding wrote it: version 1, the column name as additional data. */
function legacyEnvelope(plain: string, context: string): SecretEnvelope {
  const key = Buffer.from(TEST_SECRET_KEY, 'base64');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(context));
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return { v: 1, kid: keyId(key), iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

t.test('an ERP password envelope opens only for its tenant and ERP type', async (t) => {
  const env = sealErpPassword('Pw-acme', ring, { tenantId: 'acme', erpType: 'AXIOMA' });
  t.equal(env.v, 2);
  t.equal(openErpPassword({ tenant_id: 'acme', erp_type: 'AXIOMA', password: env }, ring), 'Pw-acme');
  t.throws(
    () => openErpPassword({ tenant_id: 'other', erp_type: 'AXIOMA', password: env }, ring),
    { code: 'SECRET_UNREADABLE' },
    'copied to another tenant',
  );
  t.throws(
    () => openErpPassword({ tenant_id: 'acme', erp_type: 'SOFTLAND', password: env }, ring),
    { code: 'SECRET_UNREADABLE' },
    'copied to another row',
  );
  t.throws(
    () => openErpPassword({ tenant_id: 'other', erp_type: 'AXIOMA', password: { ...env, v: 1 } }, ring),
    { code: 'SECRET_UNREADABLE' },
    'relabelled as legacy',
  );
});

t.test('key rotation: sealed with the old key, opens with the new keyring', async (t) => {
  const oldKey = randomBytes(32).toString('base64');
  const env = sealErpPassword('Pw', createKeyring(oldKey), { tenantId: 'acme', erpType: 'AXIOMA' });
  const rotated = createKeyring(randomBytes(32).toString('base64'), [oldKey]);
  t.equal(openErpPassword({ tenant_id: 'acme', erp_type: 'AXIOMA', password: env }, rotated), 'Pw');
  t.not(sealErpPassword('Pw', rotated, { tenantId: 'acme', erpType: 'AXIOMA' }).kid, env.kid, 'new seals use the new key');
});

t.test('stored envelopes: legacy ones open, copies across tenants do not, the next save binds them', async (t) => {
  const api = await startTestApi(t);
  const db = api.db.db;
  await upsertErpConnection(db, {
    tenantId: 'acme',
    erpType: 'AXIOMA',
    host: '127.0.0.1',
    port: 14330,
    database: 'd',
    username: 'u',
    password: legacyEnvelope('Legacy-Pw', 'sync_erp_connection.password'),
    encrypt: 'off',
    trustServerCertificate: true,
  });
  const row = await db.selectFrom('sync_erp_connection').selectAll().where('tenant_id', '=', 'acme').executeTakeFirstOrThrow();
  t.equal(openErpPassword({ ...row, password: row.password! }, ring), 'Legacy-Pw', 'a v1 envelope still opens');
  const saved = await upsertErpConnection(db, {
    tenantId: 'acme',
    erpType: 'AXIOMA',
    host: '127.0.0.1',
    port: 14330,
    database: 'd',
    username: 'u',
    password: sealErpPassword('Legacy-Pw', ring, { tenantId: 'acme', erpType: 'AXIOMA' }),
    encrypt: 'off',
    trustServerCertificate: true,
  });
  t.equal(saved.password!.v, 2, 'rewritten bound on save');

  // Webhook secrets: legacy opens; a bound envelope copied into another tenant's row does not.
  await sql`update sync_tenant set webhook_secret = ${JSON.stringify(legacyEnvelope(JSON.stringify(['whsec_old']), 'sync_tenant.webhook_secret'))}::jsonb where id = 'acme'`.execute(
    db,
  );
  t.same((await readWebhookSecrets(db, ring, 'acme')).secrets, ['whsec_old']);
  const fresh = await rotateWebhookSecret(db, ring, { tenantId: 'acme', url: 'http://127.0.0.1:9/hook', keepPrevious: true });
  t.same((await readWebhookSecrets(db, ring, 'acme')).secrets, [fresh, 'whsec_old'], 'rotation keeps working across the upgrade');
  await sql`update sync_tenant set webhook_secret = (select webhook_secret from sync_tenant where id = 'acme') where id = 'other'`.execute(
    db,
  );
  await t.rejects(
    readWebhookSecrets(db, ring, 'other'),
    { code: 'SECRET_UNREADABLE' },
    'a copied envelope does not open for another tenant',
  );
});

t.test('only agent keys receive the sealed ERP password', async (t) => {
  const api = await startTestApi(t);
  await upsertErpConnection(api.db.db, {
    tenantId: 'acme',
    erpType: 'AXIOMA',
    host: '127.0.0.1',
    port: 14330,
    database: 'd',
    username: 'u',
    password: sealErpPassword('Agent-Pw', ring, { tenantId: 'acme', erpType: 'AXIOMA' }),
    encrypt: 'off',
    trustServerCertificate: true,
  });
  const asAgent = await api.call('GET', '/api/sync/config/acme', { key: api.keys.agent, headers: { 'x-tenant-id': 'acme' } });
  t.equal(asAgent.status, 200);
  t.equal(openAgentEnvelope(asAgent.body.sqlServerPassword, api.keys.agent, 'acme'), 'Agent-Pw');
  const asAdmin = await api.call('GET', '/api/sync/config/acme', { key: api.keys.admin, headers: { 'x-tenant-id': 'acme' } });
  t.equal(asAdmin.status, 200, 'an admin key may read the configuration');
  t.equal(asAdmin.body.sqlServerPassword, null, 'but gets no password');
  t.equal(asAdmin.body.sqlServerHost, '127.0.0.1');
});
