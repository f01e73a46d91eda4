/**
 * Console sessions over a real socket: log in with a key, the cookie's flags, the cookie standing
 * for the key on /api/v1 routes, the viewer scope, CSRF, revocation and log out.
 */
import t from 'tap';
import { insertApiKey, revokeApiKey } from '../../src/db/api-keys.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { startTestApi, type TestApi } from '../helpers/api.ts';

async function sessions(api: TestApi): Promise<number> {
  const r = await api.db.db
    .selectFrom('sync_console_session')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Logs in like the console page does (same-origin Origin); returns the cookie and the CSRF token. */
async function login(api: TestApi, key: string) {
  const r = await api.call('POST', '/console/api/login', { body: { key }, headers: { origin: api.base } });
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { status: r.status, body: r.body, setCookie, cookie: setCookie.split(';')[0]!, csrf: r.body?.csrf_token as string };
}

t.test('console login, session cookie, viewer scope, CSRF, revocation and logout', async (t) => {
  const api = await startTestApi(t);
  const viewerKey = generateApiKey();
  await insertApiKey(api.db.db, { tenantId: 'acme', hash: viewerKey.hash, prefix: viewerKey.prefix, scopes: ['viewer'] });

  await t.test('bad keys: 401 and no session stored; hub key 403; no Origin 403', async (t) => {
    for (const key of ['nope', 'sk_live_' + 'x'.repeat(43), api.keys.revoked]) {
      const r = await login(api, key);
      t.equal(r.status, 401, `${key.slice(0, 12)}… → 401`);
      t.equal(r.setCookie, '', 'no cookie');
    }
    t.equal((await login(api, api.keys.hub)).status, 403, 'a hub key cannot open the console');
    const noOrigin = await api.call('POST', '/console/api/login', { body: { key: api.keys.admin } });
    t.equal(noOrigin.status, 403, 'login without a same-origin Origin → 403');
    const crossSite = await api.call('POST', '/console/api/login', {
      body: { key: api.keys.admin },
      headers: { origin: api.base, 'sec-fetch-site': 'cross-site' },
    });
    t.equal(crossSite.status, 403, 'Sec-Fetch-Site: cross-site → 403');
    t.equal(await sessions(api), 0, 'nothing stored');
  });

  await t.test('good login: httpOnly SameSite=Strict cookie, only the hash stored, the cookie authenticates /api/v1', async (t) => {
    const s = await login(api, api.keys.admin);
    t.equal(s.status, 200);
    t.match(
      s.setCookie,
      /^ps_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
      'cookie flags (no Secure over http)',
    );
    t.equal(s.body.tenant_id, 'acme');
    t.equal(s.body.timezone, 'America/Argentina/Buenos_Aires');
    t.ok(s.body.csrf_token, 'CSRF token returned');
    const rows = await api.db.db.selectFrom('sync_console_session').selectAll().execute();
    t.equal(rows.length, 1);
    t.not(rows[0]!.token_hash, s.cookie.split('=')[1], 'the raw token is not stored');
    t.match(rows[0]!.token_hash, /^[0-9a-f]{64}$/);

    const stats = await api.call('GET', '/api/v1/sync/stats', { headers: { cookie: s.cookie } });
    t.equal(stats.status, 200, 'GET with the cookie');
    const me = await api.call('GET', '/console/api/session', { headers: { cookie: s.cookie } });
    t.equal(me.body.csrf_token, s.csrf, 'the session hands the same CSRF token back after a reload');

    const before = await api.snapshot();
    const noToken = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR', { headers: { cookie: s.cookie, origin: api.base } });
    t.equal(noToken.status, 403, 'mutation without X-CSRF-Token → 403');
    const badOrigin = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR', {
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'http://evil.example' },
    });
    t.equal(badOrigin.status, 403, 'right token from another origin → 403');
    const wrongToken = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR', {
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43), origin: api.base },
    });
    t.equal(wrongToken.status, 403, 'wrong token → 403');
    t.same(await api.snapshot(), before, 'nothing written by the refused mutations');
    const ok = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR', {
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'sec-fetch-site': 'same-origin' },
    });
    t.equal(ok.status, 202, 'with token and same-origin → accepted');

    const keyStill = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR', { key: api.keys.admin });
    t.equal(keyStill.status, 202, 'X-API-Key requests need no CSRF token');
  });

  await t.test('behind a TLS-ending proxy: Secure cookie, an https Origin of this host is same-origin', async (t) => {
    const host = new URL(api.base).host;
    const r = await api.call('POST', '/console/api/login', {
      body: { key: api.keys.admin },
      headers: { origin: `https://${host}`, 'x-forwarded-proto': 'https' },
    });
    t.equal(r.status, 200);
    t.match(r.headers.get('set-cookie'), /; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    const other = await api.call('POST', '/console/api/login', {
      body: { key: api.keys.admin },
      headers: { origin: 'https://evil.example' },
    });
    t.equal(other.status, 403, 'another host → 403');
  });

  await t.test('viewer: sees every operator GET, every write refused with 403 and nothing written', async (t) => {
    const v = await login(api, viewerKey.raw);
    t.equal(v.status, 200);
    t.same(v.body.scopes, ['viewer']);
    for (const path of ['/api/v1/sync/stats', '/api/v1/sync/status', '/api/v1/sync/logs', '/api/v1/sync/dead', '/api/v1/sync/alerts'])
      t.equal((await api.call('GET', path, { headers: { cookie: v.cookie } })).status, 200, `viewer GET ${path}`);
    t.equal((await api.call('GET', '/api/v1/sync/stats', { key: viewerKey.raw })).status, 200, 'viewer key GET works too');
    const before = await api.snapshot();
    const headers = { cookie: v.cookie, 'x-csrf-token': v.csrf, origin: api.base };
    const run = await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR', { headers });
    t.equal(run.status, 403, 'viewer run now → 403');
    t.equal(run.body.error.code, 'FORBIDDEN');
    const cfg = await api.call('POST', '/api/v1/sync/config', { headers, body: { entity_type: 'X', erp_type: 'AXIOMA', direction: 'IN' } });
    t.equal(cfg.status, 403, 'viewer config create → 403');
    t.equal((await api.call('POST', '/api/v1/sync/run?entity=PROVEEDOR', { key: viewerKey.raw })).status, 403, 'viewer key write → 403');
    t.same(await api.snapshot(), before, 'nothing written');
  });

  await t.test("another tenant's session: our ids are 404", async (t) => {
    const sent = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: api.keys.hub,
      body: { entity_id: 'OC-9', action: 'CREATE', payload: { numero: 'OC-9' } },
    });
    const other = await login(api, api.keys.otherAdmin);
    const r = await api.call('POST', `/api/v1/sync/retry/${sent.body.sync_id}`, {
      headers: { cookie: other.cookie, 'x-csrf-token': other.csrf, origin: api.base },
    });
    t.equal(r.status, 404);
  });

  await t.test('a revoked key ends its sessions; logout deletes the row and clears the cookie', async (t) => {
    const k = generateApiKey();
    await insertApiKey(api.db.db, { tenantId: 'acme', hash: k.hash, prefix: k.prefix, scopes: ['admin'] });
    const s = await login(api, k.raw);
    t.equal((await api.call('GET', '/api/v1/sync/stats', { headers: { cookie: s.cookie } })).status, 200);
    await revokeApiKey(api.db.db, k.prefix);
    t.equal((await api.call('GET', '/api/v1/sync/stats', { headers: { cookie: s.cookie } })).status, 401, 'revoked → 401');

    const idle = await login(api, api.keys.admin);
    await api.db.db
      .updateTable('sync_console_session')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    t.equal(
      (await api.call('GET', '/api/v1/sync/stats', { headers: { cookie: idle.cookie } })).status,
      401,
      'an idle-expired session → 401',
    );

    const a = await login(api, api.keys.admin);
    t.equal(await sessions(api), 1, 'expired sessions are deleted at the next login');
    const n = await sessions(api);
    const refused = await api.call('POST', '/console/api/logout', { headers: { cookie: a.cookie, origin: api.base } });
    t.equal(refused.status, 403, 'logout without the CSRF token → 403');
    t.equal(await sessions(api), n, 'session kept');
    const out = await api.call('POST', '/console/api/logout', { headers: { cookie: a.cookie, 'x-csrf-token': a.csrf, origin: api.base } });
    t.equal(out.status, 200);
    t.match(out.headers.get('set-cookie') ?? '', /^ps_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    t.equal(await sessions(api), n - 1, 'session row deleted');
    t.equal((await api.call('GET', '/api/v1/sync/stats', { headers: { cookie: a.cookie } })).status, 401, 'old cookie → 401');
  });
});
