import t from 'tap';
import { createDb } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createTestDatabase } from './helpers/db.ts';
import { runBin, TEST_SECRET_KEY } from './helpers/processes.ts';

t.test('migrations are idempotent', async (t) => {
  const { ownerUrl } = await createTestDatabase(t, { unmigrated: true });
  const owner = createDb({ url: ownerUrl, max: 2 });
  t.teardown(() => owner.close());
  const first = await migrateToLatest(owner.db, ownerUrl);
  t.ok((first.results ?? []).length >= 1, 'first run applies migrations');
  const second = await migrateToLatest(owner.db, ownerUrl);
  t.same(second.results, [], 'second run applies nothing');
});

t.test('two processes migrating the same empty database at once (as the owner role) both succeed', async (t) => {
  const { url, ownerUrl } = await createTestDatabase(t, { unmigrated: true });
  const env = { DATABASE_URL: url, DATABASE_OWNER_URL: ownerUrl, SYNC_SECRET_KEY: TEST_SECRET_KEY };
  const [a, b] = await Promise.all([runBin('migrate', [], { env }), runBin('migrate', [], { env })]);
  t.equal(a.code, 0, a.stderr);
  t.equal(b.code, 0, b.stderr);
  const owner = createDb({ url: ownerUrl, max: 1 });
  t.teardown(() => owner.close());
  const applied = await owner.pool.query('select name from kysely_migration');
  const names = applied.rows.map((r: { name: string }) => r.name);
  t.same(names, [...new Set(names)], 'each migration recorded once');
  t.match(a.stdout + b.stdout, /migrated: 0001_core_schema/, 'one of them applied it');
  t.match(a.stdout + b.stdout, /migrations: up to date/, 'the other found nothing to do');
});

t.test('without the owner URL a process refuses a schema that is behind, and says how to migrate', async (t) => {
  const { url } = await createTestDatabase(t, { unmigrated: true });
  const r = await runBin('server', [], { env: { DATABASE_URL: url, SYNC_SECRET_KEY: TEST_SECRET_KEY, PORT: '1' } });
  t.equal(r.code, 1);
  t.match(r.stderr, /schema is behind .*make migrate.*DATABASE_OWNER_URL/);
  t.notMatch(r.stderr, /test-app-pw|\n\s+at /, 'no password, no stack trace');
});
