/**
 * Property-based bad input: random JSON, wrong types, huge strings, deep nesting, SQL fragments
 * and path traversal in :entity and ids, non-JSON and oversize bodies → always a 4xx in the
 * error shape, never a 500, and the database is exactly as before.
 */
import t from 'tap';
import fc from 'fast-check';
import { startTestApi } from '../helpers/api.ts';

const NASTY = [
  "'; DROP TABLE sync_queue; --",
  '../../etc/passwd',
  '..%2F..%2Fetc',
  '%00',
  'ORDEN_COMPRA OR 1=1',
  '${7*7}',
  '<script>',
  '🙂',
  ' ',
  'a'.repeat(300),
];

t.test('bad input never yields a 5xx nor writes anything', async (t) => {
  const api = await startTestApi(t, { bodyLimit: 64 * 1024 });
  const { hub, admin } = api.keys;
  const before = await api.snapshot();
  const expect4xx = (r: { status: number; body: any }, what: string) => {
    if (r.status < 400 || r.status >= 500) throw new Error(`${what} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    if (r.body?.success !== false || typeof r.body?.error?.code !== 'string')
      throw new Error(`${what} → not the error shape: ${JSON.stringify(r.body).slice(0, 300)}`);
  };

  await t.test('random JSON bodies on every POST route', async () => {
    const posts = api.app.routeList
      .filter((r) => r.method === 'POST' && r.scopes)
      .map((r) =>
        r.url.replace(':entity', 'ORDEN_COMPRA').replace(':id', '00000000-0000-4000-8000-000000000000').replace(':tenantId', 'acme'),
      );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...posts), fc.jsonValue({ maxDepth: 6 }), async (path, value) => {
        const r = await api.call('POST', path, { key: path.includes('/retry/') ? admin : hub, body: value });
        if (r.status >= 500) throw new Error(`${path} ${JSON.stringify(value)} → ${r.status}`);
        if (r.status >= 400) expect4xx(r, path);
      }),
      { numRuns: 150 },
    );
  });

  await t.test('wrong types and hostile strings in known fields', async () => {
    const hostile = fc.oneof(
      fc.constantFrom(...NASTY),
      fc.string({ maxLength: 50 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.string({ minLength: 5000, maxLength: 6000 }),
    );
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (entityId, action, payload) => {
        const r = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
          key: hub,
          body: { entity_id: entityId, action, payload },
        });
        if (r.status >= 500) throw new Error(`→ ${r.status}`);
        if (r.status !== 202) expect4xx(r, 'outbound');
      }),
      { numRuns: 150 },
    );
  });

  await t.test('SQL fragments and path traversal in :entity and :id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...NASTY), fc.constantFrom(...NASTY), async (entity, id) => {
        const e = encodeURIComponent(entity);
        const i = encodeURIComponent(id);
        for (const [method, path, key] of [
          ['GET', `/api/v1/sync/inbound/${e}`, hub],
          ['POST', `/api/v1/sync/inbound/${e}/ack`, hub],
          ['GET', `/api/v1/sync/outbound/${e}/${i}/status`, hub],
          ['GET', `/api/v1/sync/outbound/ORDEN_COMPRA/${i}/status`, hub],
          ['POST', `/api/v1/sync/retry/${i}`, admin],
          ['GET', `/api/v1/sync/logs?entity_type=${e}&cursor=${i}`, admin],
        ] as const) {
          const r = await api.call(method, path, { key, body: method === 'POST' ? { ids: [id] } : undefined });
          expect4xx(r, `${method} ${path}`);
        }
      }),
      { numRuns: 30 },
    );
  });

  await t.test('deep nesting, non-JSON and oversize bodies', async (t) => {
    let deep: unknown = 1;
    for (let n = 0; n < 40; n++) deep = { n: deep };
    const nested = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      body: { entity_id: 'D', action: 'CREATE', payload: { numero: deep } },
    });
    t.equal(nested.status, 400, 'deep nesting → 400');
    t.match(nested.body.error.details, [{ path: 'body.payload' }]);
    const veryDeep = '['.repeat(20_000) + ']'.repeat(20_000);
    const stack = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      raw: veryDeep,
      headers: { 'content-type': 'application/json' },
    });
    expect4xx(stack, 'very deep array');
    const malformed = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      raw: '{"entity_id": ',
      headers: { 'content-type': 'application/json' },
    });
    t.equal(malformed.status, 400);
    t.equal(malformed.body.error.code, 'INVALID_JSON');
    const xml = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      raw: '<oc/>',
      headers: { 'content-type': 'application/xml' },
    });
    t.equal(xml.status, 415);
    t.equal(xml.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const huge = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      body: { entity_id: 'H', action: 'CREATE', payload: { numero: 'x'.repeat(70 * 1024) } },
    });
    t.equal(huge.status, 413);
    t.equal(huge.body.error.code, 'PAYLOAD_TOO_LARGE');
  });

  await t.test('every route: NUL, lone surrogates, deep and oversize values in params, query and body → 4xx', async () => {
    const keyFor = (r: { scopes?: string[] }) => (r.scopes?.includes('agent') ? api.keys.agent : r.scopes?.includes('hub') ? hub : admin);
    const routes = api.app.routeList.filter((r) => r.scopes);
    let deep: unknown = 'x';
    for (let n = 0; n < 70; n++) deep = [deep];
    const poison = fc.oneof(
      fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\ud83d', 'a'.repeat(70 * 1024)),
      fc.constant(deep),
      fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 63, 1e300),
      fc.constantFrom('0000-01-01T00:00:00Z', '2023-02-29T00:00:00Z', '9999-12-31T23:59:60Z'),
    );
    const where = fc.constantFrom('param', 'query', 'body', 'key');
    // A lone surrogate has no UTF-8 form: send the bytes a careless client would (CESU-8).
    const enc = (v: string) =>
      v
        .replace(/[\ud800-\udfff]/g, '\ue000')
        .split('\ue000')
        .map(encodeURIComponent)
        .join('%ED%A0%80');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), poison, where, fc.string({ maxLength: 12 }), async (route, value, place, field) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        let url = route.url.replace(/:(\w+)/g, (_m, name: string) =>
          place === 'param'
            ? enc(text.slice(0, 150))
            : name === 'tenantId'
              ? 'acme'
              : name === 'entity'
                ? 'ORDEN_COMPRA'
                : '00000000-0000-4000-8000-000000000000',
        );
        if (place === 'query') url += `?${enc(field || 'cursor')}=${enc(text.slice(0, 1000))}`;
        const body =
          route.method === 'POST' || route.method === 'PUT'
            ? place === 'key'
              ? { [`${field}\u0000`]: 1 }
              : {
                  tabla: 'proveedores',
                  logs: [{ metadatos: { v: value }, registrosAfectados: value, fechaInicio: value }],
                  data: [{ codigo: value }],
                  items: [{ payload: { v: value } }],
                  payload: { v: value },
                  ids: [value],
                  [field || 'x']: value,
                }
            : undefined;
        const r = await api.call(route.method, url, { key: keyFor(route), body, headers: { 'x-tenant-id': 'acme' } });
        if (r.status >= 500) throw new Error(`${route.method} ${url.slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        if (r.status >= 400) expect4xx(r, `${route.method} ${route.url}`);
      }),
      { numRuns: 300 },
    );
  });

  t.same(await api.snapshot(), before, 'row counts of every table identical');
});
