import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { openErpPassword } from '../src/security/erp-password.ts';
import type { SecretEnvelope } from '../src/db/schema.ts';
import { createKeyring } from '../src/security/secret-box.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';
import { runBin, TEST_SECRET_KEY } from './helpers/processes.ts';

/** Every row of every table of ours, as text: where a secret must NOT appear. */
async function everything(db: TestDatabase): Promise<string> {
  const tables = await db.pool.query(`select table_name from information_schema.tables where table_schema = 'public'`);
  let all = '';
  for (const { table_name } of tables.rows as { table_name: string }[]) {
    const rows = await db.pool.query(`select t::text as r from "${table_name}" t`);
    all += rows.rows.map((r: { r: string }) => r.r).join('\n');
  }
  return all;
}

async function counts(db: TestDatabase): Promise<string> {
  const r = await db.pool.query(
    `select (select count(*) from sync_tenant) t, (select count(*) from sync_api_key) k, (select count(*) from sync_erp_connection) e`,
  );
  return JSON.stringify(r.rows[0]);
}

t.test('admin CLI', async (t) => {
  const db = await createTestDatabase(t);
  // English (LANG) so these assertions read the English table; test/admin/ covers the Spanish default.
  const env = { DATABASE_URL: db.url, SYNC_SECRET_KEY: TEST_SECRET_KEY, LANG: 'en_US.UTF-8' };
  const admin = (args: string[], stdin?: string) => runBin('admin', args, { env, stdin });

  const created = await admin(['tenant', 'create', 'acme', '--name', 'Acme SA', '--timezone', 'America/Argentina/Buenos_Aires']);
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, /tenant acme created/);

  t.test('key create prints the raw key alone on the last line; only its SHA-256 is stored', async (t) => {
    const r = await admin(['key', 'create', 'acme', '--scope', 'hub']);
    t.equal(r.code, 0, r.stderr);
    const raw = r.stdout.trim().split('\n').at(-1)!;
    t.match(raw, /^sk_live_[A-Za-z0-9_-]{43}$/);
    const row = (await db.pool.query('select key_hash, prefix, scopes from sync_api_key')).rows[0] as {
      key_hash: string;
      prefix: string;
      scopes: string[];
    };
    t.equal(row.key_hash, createHash('sha256').update(raw).digest('hex'));
    t.ok(raw.startsWith(row.prefix));
    t.same(row.scopes, ['hub']);
    t.notMatch(await everything(db), raw.slice(8), 'the raw key is stored nowhere');

    const list = await admin(['key', 'list', 'acme']);
    t.match(list.stdout, new RegExp(`${row.prefix}\\thub\\tactive`));
    t.notMatch(list.stdout, raw.slice(8));
    const revoked = await admin(['key', 'revoke', row.prefix]);
    t.equal(revoked.code, 0);
    t.ok((await db.pool.query('select revoked_at from sync_api_key')).rows[0].revoked_at, 'revoked_at set');
  });

  t.test('erp set stores the password encrypted; it decrypts with the key, not with another', async (t) => {
    const password = `Erp-${randomBytes(6).toString('hex')}`;
    const r = await admin(
      [
        'erp',
        'set',
        'acme',
        'AXIOMA',
        '--host',
        '127.0.0.1',
        '--port',
        '14330',
        '--database',
        'axioma',
        '--user',
        'hub_sync',
        '--password-stdin',
        '--encrypt',
        'off',
      ],
      password + '\n',
    );
    t.equal(r.code, 0, r.stderr);
    t.notMatch(r.stdout + r.stderr, password);
    t.notMatch(await everything(db), password, 'the raw password is absent from every column');
    const row = (await db.pool.query('select tenant_id, erp_type, password, encrypt, version from sync_erp_connection')).rows[0] as {
      tenant_id: string;
      erp_type: string;
      password: SecretEnvelope;
      encrypt: string;
      version: number;
    };
    t.equal(row.encrypt, 'off');
    t.equal(openErpPassword(row, createKeyring(TEST_SECRET_KEY)), password);
    const shown = await admin(['erp', 'show', 'acme']);
    t.equal(shown.code, 0, shown.stderr);
    t.match(shown.stdout, /AXIOMA\tmode direct\t127\.0\.0\.1:14330\/axioma\tuser hub_sync\tpassword set \(encrypted\)/);
    t.notMatch(shown.stdout, password, 'erp show never prints the password');
    const tenants = await admin(['tenant', 'list']);
    t.match(tenants.stdout, /^acme\tAcme SA\tAmerica\/Argentina\/Buenos_Aires\twebhook none/m);
    t.throws(() => openErpPassword(row, createKeyring(randomBytes(32).toString('base64'))), { code: 'SECRET_UNREADABLE' });

    const again = await admin(
      [
        'erp',
        'set',
        'acme',
        'AXIOMA',
        '--host',
        '127.0.0.1',
        '--port',
        '14330',
        '--database',
        'axioma',
        '--user',
        'hub_sync',
        '--password-stdin',
      ],
      'other\n',
    );
    t.equal(again.code, 0);
    t.equal((await db.pool.query('select version from sync_erp_connection')).rows[0].version, 2, 'a change bumps the version');
    t.equal((await db.pool.query('select mode from sync_erp_connection')).rows[0].mode, 'direct', 'direct unless --mode says otherwise');
  });

  t.test("erp set --mode agent hands the tenant's ERP writes to its agent; a bad mode names the field and writes nothing", async (t) => {
    const base = ['erp', 'set', 'acme', 'AXIOMA', '--host', '127.0.0.1', '--database', 'axioma', '--user', 'hub_sync', '--password-stdin'];
    const bad = await admin([...base, '--mode', 'remote'], 'pw\n');
    t.equal(bad.code, 2);
    t.match(bad.stderr, /mode/);
    t.equal((await db.pool.query('select mode from sync_erp_connection')).rows[0].mode, 'direct', 'unchanged');
    const r = await admin([...base, '--mode', 'agent'], 'pw\n');
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /mode agent/);
    t.equal((await db.pool.query('select mode from sync_erp_connection')).rows[0].mode, 'agent');
  });

  t.test('webhook set prints a whsec_ secret once and stores it only encrypted', async (t) => {
    const r = await admin(['webhook', 'set', 'acme', '--url', 'http://127.0.0.1:9/api/webhooks/sync']);
    t.equal(r.code, 0, r.stderr);
    const secret = r.stdout.trim().split('\n').at(-1)!;
    t.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    t.notMatch(await everything(db), secret.slice(6), 'the secret is stored nowhere in clear');
    const bad = await admin(['webhook', 'set', 'acme', '--url', 'ftp://x']);
    t.not(bad.code, 0);
    t.match(bad.stderr, /url/);
  });

  t.test('misuse: one-line error, non-zero exit, nothing written', async (t) => {
    const before = await counts(db);
    const cases: [string[], string | undefined, RegExp][] = [
      [['key', 'create', 'ghost', '--scope', 'hub'], undefined, /unknown tenant 'ghost'/],
      [['key', 'create', 'acme', '--scope', 'root'], undefined, /scope/],
      [
        ['erp', 'set', 'acme', 'AXIOMA', '--host', '127.0.0.1', '--database', 'd', '--user', 'u', '--password-stdin'],
        '',
        /password: nothing on standard input/,
      ],
      [['erp', 'set', 'acme', 'AXIOMA', '--host', '127.0.0.1', '--database', 'd', '--user', 'u'], 'pw', /passwordStdin: required/],
      [
        ['erp', 'set', 'ghost', 'AXIOMA', '--host', '127.0.0.1', '--database', 'd', '--user', 'u', '--password-stdin'],
        'pw',
        /unknown tenant/,
      ],
      [['tenant', 'create', 'acme', '--name', 'Dup'], undefined, /already exists/],
      [['tenant', 'create', 'x; drop table sync_tenant', '--name', 'Evil'], undefined, /id: letters, digits/],
      [['tenant', 'create', 'beta', '--name', 'B', '--timezone', 'Mars/Olympus'], undefined, /timezone: not an IANA time zone/],
      [['frobnicate'], undefined, /unknown command/],
      [['erp', 'show', 'ghost'], undefined, /unknown tenant 'ghost'/],
      [['key', 'list', 'acme', '--bogus'], undefined, /Unknown option '--bogus'/],
    ];
    for (const [args, stdin, message] of cases) {
      const r = await admin(args, stdin);
      t.equal(r.code, 2, `${args.join(' ')} is a misuse: exit code 2`);
      t.match(r.stderr, message, args.join(' '));
      t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    t.equal(await counts(db), before, 'nothing written');
  });
});
