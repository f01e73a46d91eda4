import t from 'tap';
import { sql } from 'kysely';
import { startTestApi } from '../helpers/api.ts';

t.test('admin endpoints', async (t) => {
  const api = await startTestApi(t);
  const { admin } = api.keys;
  const db = api.db.db;

  t.test('GET /stats: counts per entity and status, oldest pending age, dead, last sync', async (t) => {
    await api.queue.enqueueMany(db, [
      { tenantId: 'acme', source: 'ERP', destination: 'HUB', entityType: 'PROVEEDOR', entityId: '1', action: 'UPSERT', payload: {} },
      { tenantId: 'acme', source: 'ERP', destination: 'HUB', entityType: 'PROVEEDOR', entityId: '2', action: 'UPSERT', payload: {} },
      { tenantId: 'other', source: 'ERP', destination: 'HUB', entityType: 'PROVEEDOR', entityId: '3', action: 'UPSERT', payload: {} },
    ]);
    await sql`update sync_queue set status = 'DEAD' where entity_id = '2'`.execute(db);
    await db
      .insertInto('sync_state')
      .values({
        tenant_id: 'acme',
        entity_type: 'PROVEEDOR',
        erp_type: 'AXIOMA',
        direction: 'IN',
        last_sync_at: new Date('2026-11-01T10:00:00Z'),
        last_batch_size: 2,
      })
      .execute();
    const r = await api.call('GET', '/api/v1/sync/stats', { key: admin });
    t.equal(r.status, 200);
    t.same(r.body.queue, [
      { entity_type: 'PROVEEDOR', destination: 'HUB', status: 'DEAD', count: 1 },
      { entity_type: 'PROVEEDOR', destination: 'HUB', status: 'PENDING', count: 1 },
    ]);
    t.equal(r.body.dead, 1);
    t.type(r.body.oldest_pending_age_seconds, 'number');
    t.match(r.body.last_sync, [{ entity_type: 'PROVEEDOR', last_sync_at: '2026-11-01T10:00:00.000Z', last_batch_size: 2 }]);
  });

  t.test('GET /logs: newest first, filters, keyset pagination stable under concurrent inserts', async (t) => {
    await sql`insert into sync_log (tenant_id, entity_type, entity_id, action, direction, status, message, created_at)
              select 'acme', 'PROVEEDOR', g::text, 'UPSERT', 'IN', case when g % 2 = 0 then 'SUCCESS' else 'FAILED' end, 'log ' || g,
                     timestamptz '2026-11-01 00:00:00Z' + g * interval '1 second'
              from generate_series(1, 45) g`.execute(db);
    await sql`insert into sync_log (tenant_id, action, direction, status) values ('other', 'X', 'IN', 'SUCCESS')`.execute(db);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any } = await api.call(
        'GET',
        `/api/v1/sync/logs?limit=10${cursor ? `&cursor=${cursor}` : ''}&until=2026-11-02T00:00:00Z`,
        { key: admin },
      );
      t.equal(r.status, 200);
      seen.push(...r.body.items.map((i: { entity_id: string }) => i.entity_id));
      cursor = r.body.next_cursor;
      // New rows arriving meanwhile (newer than everything) must not shift later pages.
      await sql`insert into sync_log (tenant_id, entity_type, entity_id, action, direction, status) values ('acme', 'PROVEEDOR', 'new', 'UPSERT', 'IN', 'SUCCESS')`.execute(
        db,
      );
      pages++;
    } while (cursor && pages < 10);
    t.same(
      seen,
      Array.from({ length: 45 }, (_, n) => String(45 - n)),
      'every row once, newest first',
    );
    const failed = await api.call('GET', '/api/v1/sync/logs?status=FAILED&entity_type=proveedor&limit=500', { key: admin });
    t.ok(failed.body.items.length === 23 && failed.body.items.every((i: { status: string }) => i.status === 'FAILED'));
    const badCursor = await api.call('GET', '/api/v1/sync/logs?cursor=bm9wZQ', { key: admin });
    t.equal(badCursor.status, 400);
    t.match(badCursor.body.error.details, [{ path: 'querystring.cursor' }]);
  });

  t.test('POST /retry/:id: DEAD → PENDING; not retryable → 409; another tenant’s → 404', async (t) => {
    const dead = (await db.selectFrom('sync_queue').select('id').where('status', '=', 'DEAD').executeTakeFirstOrThrow()).id;
    const pending = (
      await db
        .selectFrom('sync_queue')
        .select('id')
        .where('status', '=', 'PENDING')
        .where('tenant_id', '=', 'acme')
        .executeTakeFirstOrThrow()
    ).id;
    const theirs = await api.call('POST', `/api/v1/sync/retry/${dead}`, { key: api.keys.otherAdmin });
    t.equal(theirs.status, 404);
    const r = await api.call('POST', `/api/v1/sync/retry/${dead}`, { key: admin });
    t.equal(r.status, 200);
    t.match(r.body, { sync_id: dead, status: 'PENDING', retry_count: 0 });
    const conflict = await api.call('POST', `/api/v1/sync/retry/${pending}`, { key: admin });
    t.equal(conflict.status, 409);
    t.match(conflict.body.error, { code: 'CONFLICT', message: /only DEAD or FAILED/ });
  });
});
