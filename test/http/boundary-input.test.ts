/**
 * Issue 10 §3: input PostgreSQL cannot store is a 400 naming the field, never a 500, and writes
 * nothing — NUL and lone surrogates anywhere, deep JSON, int4 overflow, impossible dates and
 * cursors, invalid UTF-8 (plain or gzip). Uploads are stored whole or not at all.
 */
import type { Test } from 'tap';
import t from 'tap';
import { ownerQuery } from '../helpers/db.ts';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { startTestApi } from '../helpers/api.ts';

t.test('boundary input', async (t) => {
  const api = await startTestApi(t);
  const db = api.db.db;
  const { hub, admin, agent } = api.keys;
  await db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      entity_type: 'PROVEEDOR_AGENTE',
      erp_type: 'AXIOMA',
      source_table: 'proveedores',
      primary_key: 'codigo',
      direction: 'IN',
      field_mapping: JSON.stringify({ erp_to_hub: { codigo: 'id', nombre: 'nombre' } }),
    })
    .execute();
  const asAgent = (method: string, path: string, o: { body?: unknown; raw?: string } = {}) =>
    api.call(method, path, {
      key: agent,
      ...o,
      headers: { 'x-tenant-id': 'acme', ...(o.raw ? { 'content-type': 'application/json' } : {}) },
    });
  const before = await api.snapshot();
  const rejects = (t: Pick<Test, 'equal' | 'match'>, r: { status: number; body: any }, path: string, code = 'VALIDATION_FAILED') => {
    t.equal(r.status, 400, `400 for ${path}`);
    t.equal(r.body?.error?.code, code);
    if (code === 'VALIDATION_FAILED') t.match(r.body.error.details, [{ path }], `names ${path}`);
  };
  const log = (over: Record<string, unknown>) => ({
    logs: [{ direccion: 'upload', tabla: 'proveedores', estado: 'exitoso', fechaInicio: '2024-01-15T10:30:00Z', ...over }],
  });

  t.test('NUL and lone surrogates in path, query, headers and bodies', async (t) => {
    rejects(t, await api.call('GET', '/api/v1/sync/outbound/ORDEN_COMPRA/%00/status', { key: hub }), 'params.id');
    // A surrogate cannot be percent-encoded as valid UTF-8: the router refuses the URL itself.
    t.equal((await api.call('GET', '/api/v1/sync/outbound/ORDEN_COMPRA/a%ED%A0%80b/status', { key: hub })).status, 400);
    rejects(t, await api.call('GET', '/api/v1/sync/logs?entity_type=x%00y', { key: admin }), 'querystring.entity_type');
    rejects(
      t,
      await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
        key: hub,
        raw: '{"entity_id":"A\\u0000","action":"CREATE","payload":{}}',
        headers: { 'content-type': 'application/json' },
      }),
      'body.entity_id',
    );
    rejects(
      t,
      await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
        key: hub,
        raw: '{"entity_id":"A","action":"CREATE","payload":{"numero":"\\ud800x"}}',
        headers: { 'content-type': 'application/json' },
      }),
      'body.payload.numero',
    );
    rejects(
      t,
      await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
        key: hub,
        raw: '{"entity_id":"A","action":"CREATE","payload":{"a":{"b\\u0000":1}}}',
        headers: { 'content-type': 'application/json' },
      }),
      'body.payload.a.b\u0000',
    );
    rejects(
      t,
      await api.call('POST', '/api/v1/sync/outbound/batch', {
        key: hub,
        raw: '{"items":[{"entity_type":"ORDEN_COMPRA","entity_id":"A","action":"CREATE","payload":{"x":"\\udc00"}}]}',
        headers: { 'content-type': 'application/json' },
      }),
      'body.items.0.payload.x',
    );
    rejects(
      t,
      await api.call('POST', '/api/v1/sync/inbound/PROVEEDOR/ack', {
        key: hub,
        raw: '{"ids":["\\u0000"]}',
        headers: { 'content-type': 'application/json' },
      }),
      'body.ids.0',
    );
    rejects(t, await asAgent('POST', '/api/sync/logs/acme', { raw: JSON.stringify(log({ mensaje: 'a\u0000b' })) }), 'body.logs.0.mensaje');
    rejects(
      t,
      await asAgent('POST', '/api/sync/upload/acme', {
        raw: JSON.stringify({ tabla: 'proveedores', data: [{ codigo: '1', nombre: 'x\u0000' }] }),
      }),
      'body.data.0.nombre',
    );
    rejects(
      t,
      await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
        key: hub,
        body: { entity_id: 'A', action: 'CREATE', payload: {} },
        headers: { 'idempotency-key': 'k\u00e9' },
      }),
      'headers.idempotency-key',
    );
  });

  t.test('int4 overflow, impossible dates and cursors, deep JSON', async (t) => {
    rejects(
      t,
      await asAgent('POST', '/api/sync/logs/acme', { body: log({ registrosAfectados: 2 ** 31 }) }),
      'body.logs.0.registrosAfectados',
    );
    rejects(t, await asAgent('POST', '/api/sync/logs/acme', { body: log({ duracionMs: 2 ** 53 }) }), 'body.logs.0.duracionMs');
    rejects(
      t,
      await asAgent('POST', '/api/sync/logs/acme', { body: log({ fechaInicio: '0000-01-01T00:00:00Z' }) }),
      'body.logs.0.fechaInicio',
    );
    rejects(t, await asAgent('POST', '/api/sync/logs/acme', { body: log({ fechaFin: '2023-02-29T00:00:00Z' }) }), 'body.logs.0.fechaFin');
    rejects(t, await api.call('GET', '/api/v1/sync/logs?since=0000-06-01T00:00:00Z', { key: admin }), 'querystring.since');
    const cursor = (s: string) => Buffer.from(s).toString('base64url');
    for (const c of [
      cursor('0000-01-01T00:00:00.000Z|1'),
      cursor('+275760-09-13T00:00:00.000Z|1'),
      cursor('2024-01-01T00:00:00.000Z|9999999999999999999'),
    ]) {
      rejects(t, await api.call('GET', `/api/v1/sync/logs?cursor=${c}`, { key: admin }), 'querystring.cursor');
    }
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const r = await asAgent('POST', '/api/sync/logs/acme', {
      raw: JSON.stringify(log({})).replace('"estado"', `"metadatos":${deep},"estado"`),
    });
    t.equal(r.status, 400, 'metadatos 100 000 deep → 400');
    t.match(r.body.error.message, /nested deeper than 64/);
  });

  t.test('invalid UTF-8 → 400, plain and gzip', async (t) => {
    const bytes = Buffer.concat([
      Buffer.from('{"entity_id":"A'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","action":"CREATE","payload":{}}'),
    ]);
    for (const [body, extra] of [
      [bytes, {}],
      [gzipSync(bytes), { 'content-encoding': 'gzip' }],
    ] as const) {
      const res = await fetch(`${api.base}/api/v1/sync/outbound/ORDEN_COMPRA`, {
        method: 'POST',
        headers: { 'x-api-key': hub, 'content-type': 'application/json', ...extra },
        body,
      });
      t.equal(res.status, 400);
      t.match(await res.json(), { success: false, error: { code: 'INVALID_UTF8' } });
    }
    const ok = await api.call('GET', '/api/v1/sync/inbound/pending', { key: hub });
    t.equal(ok.status, 200, 'valid requests still pass');
  });

  t.same(await api.snapshot(), before, 'nothing written by any rejected request');

  t.test('uploads are all-or-nothing', async (t) => {
    const rows = Array.from({ length: 1001 }, (_, i) => ({ codigo: String(i + 1), nombre: `P${i + 1}` }));
    const count = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`select (select count(*) from sync_data where entity_type = 'PROVEEDOR_AGENTE') + (select count(*) from sync_queue where entity_type = 'PROVEEDOR_AGENTE') n`.execute(
            db,
          )
        ).rows[0]!.n,
      );
    const bad = [...rows.slice(0, 1000), { codigo: '1001', nombre: 'mal\u0000' }];
    const r = await asAgent('POST', '/api/sync/upload/acme', { raw: JSON.stringify({ tabla: 'proveedores', data: bad }) });
    t.equal(r.status, 400, 'a bad last row → 400');
    t.equal(await count(), 0, 'nothing in sync_data nor sync_queue');
    // A failure inside the database while writing the second batch (a test trigger) rolls back the first too.
    await ownerQuery(
      api.db,
      `create function t_fail() returns trigger language plpgsql as $$ begin if new.entity_id = '1001' then raise exception 'boom'; end if; return new; end $$;
      create trigger t_fail before insert on sync_data for each row execute function t_fail()`,
    );
    const failed = await asAgent('POST', '/api/sync/upload/acme', { body: { tabla: 'proveedores', data: rows } });
    t.equal(failed.status, 500);
    t.equal(await count(), 0, 'the first 1 000 rows were rolled back with the failing batch');
    await ownerQuery(api.db, 'drop trigger t_fail on sync_data');
    const good = await asAgent('POST', '/api/sync/upload/acme', { body: { tabla: 'proveedores', data: rows } });
    t.equal(good.status, 200);
    t.equal(good.body.registrosInsertados, 1001);
    t.equal(await count(), 2002, '1 001 rows and their 1 001 queue items');
  });
});
