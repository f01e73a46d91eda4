/**
 * Issue 17 (ingest memory): a prepared record holds its payload as the canonical JSON text — the
 * text hashed is the text stored — instead of the payload object, so a batch waiting to be written
 * holds one string per record. The rows stored are the same: every record, its payload (non-ASCII
 * text and escapes included) and one queue item each.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { createTenant } from '../../src/db/tenants.ts';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { canonicalJson } from '../../src/sync/canonical-json.ts';
import { parseEntityConfig } from '../../src/sync/entity-config.ts';
import { prepareRecord, writeBatch } from '../../src/sync/ingest.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { startTestBoss } from '../helpers/boss.ts';
import { PROVEEDOR_CONFIG } from '../helpers/sync-fixture.ts';

t.test('a prepared record carries its canonical JSON text, and a 1 000-record batch stores exactly that', async (t) => {
  const handle = await createTestDatabase(t);
  const boss = await startTestBoss(t, handle.url);
  await createTenant(handle.db, { id: 'acme', name: 'Acme', timezone: 'UTC' });
  const row = await handle.db
    .insertInto('sync_entity_config')
    .values({ tenant_id: 'acme', ...PROVEEDOR_CONFIG })
    .returningAll()
    .executeTakeFirstOrThrow();
  const config = parseEntityConfig(row);
  const name = (i: number) => `  Proveedor ${i} — Ñandú "quoted" \\ back\nline ${'x'.repeat(200)}  `;
  const records = Array.from({ length: 1000 }, (_, i) =>
    prepareRecord(
      {
        CodProv: `P${String(i).padStart(4, '0')}`,
        RazonSocial: name(i),
        Cuit: '30-1-9',
        Saldo: `${i}.5`,
        FechaModif: '2026-03-01T10:00:00',
      },
      config,
      'UTC',
    ),
  );
  const expected = { id: 'P0999', nombre: name(999).trim(), cuit: '3019', saldo: '999.50', modificado: '2026-03-01T10:00:00' };
  t.same(Object.keys(records[999]!).sort(), ['entityId', 'hash', 'payloadJson'], 'no payload object kept');
  t.equal(records[999]!.payloadJson, canonicalJson(expected));
  t.equal(records[999]!.hash, createHash('sha256').update(records[999]!.payloadJson).digest('hex'), 'the hash is of the stored text');

  const r = await handle.db
    .transaction()
    .execute((trx) => writeBatch(trx, { queue: createSyncQueue({ boss }) }, { tenantId: 'acme', config, records, readCount: 1000 }));
  t.same(r, { changed: 1000, enqueued: 1000 });

  const count = async (q: string) => Number((await sql.raw<{ n: string }>(q).execute(handle.db)).rows[0]!.n);
  t.equal(await count("select count(*) n from sync_data where tenant_id = 'acme'"), 1000);
  t.equal(await count("select count(*) n from sync_queue where tenant_id = 'acme' and destination = 'HUB' and action = 'CREATE'"), 1000);
  const p = await handle.db
    .selectFrom('sync_data')
    .select(['payload', 'payload_hash'])
    .where('entity_id', '=', 'P0999')
    .executeTakeFirstOrThrow();
  t.same(p.payload, expected);
  t.equal(p.payload_hash, records[999]!.hash);
  const q = await handle.db.selectFrom('sync_queue').select('payload').where('entity_id', '=', 'P0999').executeTakeFirstOrThrow();
  t.same(q.payload, p.payload, 'the queue item carries the stored payload');
});
