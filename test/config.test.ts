import t from 'tap';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { runBin, TEST_SECRET_KEY } from './helpers/processes.ts';

t.test('defaults apply when nothing is set', async (t) => {
  const env = loadConfig({});
  t.equal(env.HOST, '127.0.0.1');
  t.equal(env.PORT, 3000);
  t.equal(env.DATA_DIR, './.data');
  t.equal(env.EMBEDDED_PG_PORT, 5433);
  t.equal(env.DATABASE_URL, undefined);
});

t.test('one error names every bad variable and why', async (t) => {
  const err = t.throws(() =>
    loadConfig({ PORT: 'eighty', LOG_LEVEL: 'chatty', SYNC_SECRET_KEY: 'c2hvcnQ=', DATABASE_URL: 'mysql://x', EMBEDDED_PG_PORT: '70000' }),
  ) as ConfigError;
  t.ok(err instanceof ConfigError);
  for (const name of ['PORT', 'LOG_LEVEL', 'SYNC_SECRET_KEY', 'DATABASE_URL', 'EMBEDDED_PG_PORT'])
    t.match(err.message, name, `names ${name}`);
  t.match(err.message, /32 bytes/);
  t.notMatch(err.message, 'c2hvcnQ=', 'the bad secret value itself is not echoed');
});

t.test('DATABASE_URL without SYNC_SECRET_KEY is refused', async (t) => {
  t.throws(() => loadConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' }), /SYNC_SECRET_KEY: required when DATABASE_URL is set/);
});

t.test('the server exits 1 with one line naming each bad variable', async (t) => {
  const r = await runBin('server', [], { env: { PORT: '-1', LOG_LEVEL: 'loud' } });
  t.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, 'exactly one line');
  t.match(lines[0], /PORT/);
  t.match(lines[0], /LOG_LEVEL/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('an unreachable DATABASE_URL gives host:port, no stack, exit 1 after a bounded retry', async (t) => {
  const started = Date.now();
  const r = await runBin('worker', [], {
    env: { DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/nope', SYNC_SECRET_KEY: TEST_SECRET_KEY, DB_CONNECT_TIMEOUT_SECONDS: '2' },
  });
  t.equal(r.code, 1);
  t.match(r.stderr, /cannot reach PostgreSQL at 127\.0\.0\.1:1 after 2s/);
  t.notMatch(r.stderr, /secretpw/, 'the password is not printed');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.ok(Date.now() - started < 30_000, 'gave up within the bound');
});
