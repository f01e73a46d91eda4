import t from 'tap';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createTestDatabase } from './helpers/db.ts';
import { runBin, TEST_SECRET_KEY } from './helpers/processes.ts';

t.test('migrations are idempotent', async (t) => {
  const { db, url } = await createTestDatabase(t, { empty: true });
  const first = await migrateToLatest(db, url);
  t.ok((first.results ?? []).length >= 1, 'first run applies migrations');
  const second = await migrateToLatest(db, url);
  t.same(second.results, [], 'second run applies nothing');
});

t.test('two processes migrating the same empty database at once both succeed', async (t) => {
  const { url, pool } = await createTestDatabase(t, { empty: true });
  const env = { DATABASE_URL: url, SYNC_SECRET_KEY: TEST_SECRET_KEY };
  const [a, b] = await Promise.all([runBin('migrate', [], { env }), runBin('migrate', [], { env })]);
  t.equal(a.code, 0, a.stderr);
  t.equal(b.code, 0, b.stderr);
  const applied = await pool.query('select name from kysely_migration');
  const names = applied.rows.map((r: { name: string }) => r.name);
  t.same(names, [...new Set(names)], 'each migration recorded once');
  t.match(a.stdout + b.stdout, /migrated: 0001_core_schema/, 'one of them applied it');
  t.match(a.stdout + b.stdout, /migrations: up to date/, 'the other found nothing to do');
});
