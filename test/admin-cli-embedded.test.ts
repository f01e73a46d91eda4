/** The admin CLI without a database: help, and the embedded cluster it joins but never starts. */
import t from 'tap';
import { runBin } from './helpers/processes.ts';

t.test(
  '--help needs no database; with no DATABASE_URL the CLI joins the running embedded cluster or says none runs, creating nothing',
  async (t) => {
    const { mkdtemp, readdir, chmod } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(`${os.tmpdir()}/parse-sync-admin-`);
    await chmod(dir, 0o755);
    for (const args of [['--help'], ['key', 'create', '--help'], []]) {
      const help = await runBin('admin', args, { env: { DATA_DIR: dir } });
      t.equal(help.code, 0, `${args.join(' ')}: ${help.stderr}`);
      t.match(help.stdout, /^uso: admin <comando>.*\n\s+admin tenant create/, 'Spanish by default');
    }
    const en = await runBin('admin', ['--help', '--lang', 'en'], { env: { DATA_DIR: dir } });
    t.match(en.stdout, /^usage: admin <command>.*\n\s+admin tenant create/);
    t.match((await runBin('admin', ['-h'], { env: { DATA_DIR: dir, LANG: 'en_GB.UTF-8' } })).stdout, /^usage: admin/, 'LANG=en*');
    const none = await runBin('admin', ['tenant', 'create', 'acme', '--name', 'A'], { env: { DATA_DIR: dir, EMBEDDED_PG_PORT: '5391' } });
    t.equal(none.code, 1);
    t.match(none.stderr, /no embedded PostgreSQL in .*make run/);
    t.notMatch(none.stderr, /\n\s+at /, 'no stack trace');
    t.same(await readdir(dir), [], 'no second cluster, no key file');
  },
);
