/**
 * Least privilege (issue 10 §1.1): the server and the worker run as sql/roles.sql's runtime role,
 * which can read and write rows of our tables and nothing more; a superuser URL is refused.
 */
import t from 'tap';
import { excessPrivileges } from '../../src/db/roles.ts';
import { adminQuery, createTestDatabase, databaseUrl } from '../helpers/db.ts';
import { runBin, TEST_SECRET_KEY } from '../helpers/processes.ts';

t.test('the runtime role holds no privileged attribute or server-file role', async (t) => {
  const { db } = await createTestDatabase(t);
  t.same(await excessPrivileges(db), []);
  const attrs = await adminQuery(
    `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles where rolname in ('parse_sync_owner', 'parse_sync_app') order by 1`,
  );
  t.same(attrs.rows, [
    { rolname: 'parse_sync_app', rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false },
    { rolname: 'parse_sync_owner', rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false },
  ]);
});

t.test('the runtime role cannot run programs, read server files, change roles or the schema', async (t) => {
  const { pool } = await createTestDatabase(t);
  const attempts: [string, RegExp][] = [
    [
      `copy (select 1) to program 'touch /tmp/parse-sync-pwned'`,
      /permission denied|must be superuser|privileges of the "pg_execute_server_program"/,
    ],
    [`select pg_read_file('/etc/passwd')`, /permission denied/],
    [`create table evil (id int)`, /permission denied/],
    [`drop table sync_api_key`, /must be owner/],
    [`alter table sync_tenant add column x int`, /must be owner/],
    [`create role evil login superuser`, /permission denied/],
    [`set role parse_sync_owner`, /permission denied/],
    [`insert into kysely_migration (name, timestamp) values ('9999_evil', now()::text)`, /permission denied/],
    [`create function pgboss.evil() returns int language sql as 'select 1'`, /permission denied/],
  ];
  for (const [text, error] of attempts) {
    await t.rejects(pool.query(text), error, text);
  }
  t.equal((await pool.query('select count(*)::int as n from sync_tenant')).rows[0].n, 0, 'rows of our tables are readable');
});

t.test('a process refuses a superuser DATABASE_URL unless DATABASE_ALLOW_PRIVILEGED_ROLE says so', async (t) => {
  const { name } = await createTestDatabase(t);
  const superuser = databaseUrl(name);
  const refused = await runBin('migrate', [], { env: { DATABASE_URL: superuser, SYNC_SECRET_KEY: TEST_SECRET_KEY } });
  t.equal(refused.code, 1);
  t.match(refused.stderr, /DATABASE_URL has SUPERUSER.*sql\/roles\.sql.*DATABASE_ALLOW_PRIVILEGED_ROLE/);
  t.notMatch(refused.stderr, new URL(superuser).password, 'the password is not printed');
  const allowed = await runBin('migrate', [], {
    env: { DATABASE_URL: superuser, SYNC_SECRET_KEY: TEST_SECRET_KEY, DATABASE_ALLOW_PRIVILEGED_ROLE: 'true' },
  });
  t.equal(allowed.code, 0, allowed.stderr);
});

t.test('sql/roles.sql runs under psql as a DBA would, and a second run changes nothing but the passwords', async (t) => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { TEST_ROLE_PASSWORDS } = await import('../helpers/db.ts');
  const super_ = new URL(databaseUrl('postgres'));
  const psql = () =>
    promisify(execFile)('psql', [
      super_.toString(),
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-v',
      `owner_password=${TEST_ROLE_PASSWORDS.owner}`,
      '-v',
      `app_password=${TEST_ROLE_PASSWORDS.app}`,
      '-f',
      'sql/roles.sql',
    ]);
  await psql();
  await psql();
  const roles = await adminQuery(
    `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin from pg_roles where rolname like 'parse_sync_%' order by 1`,
  );
  t.same(
    roles.rows.map((r) => [r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin]),
    [
      ['parse_sync_app', false, false, false, true],
      ['parse_sync_owner', false, false, false, true],
    ],
  );
});
