/** `make admin ARGS="…"` / `npm run admin -- …`: see src/admin/admin-cli.ts for the commands. */
import { text } from 'node:stream/consumers';
import { runAdmin, USAGE } from '../admin/admin-cli.ts';
import { loadConfig } from '../config/config.ts';
import { prepareRuntimeDatabase, resolveRuntime } from './bootstrap.ts';
import { createDb } from '../db/connect.ts';
import { runMain } from './main.ts';

runMain('admin', async () => {
  const args = process.argv.slice(2);
  // Help needs no database, and never starts one.
  if (args.length === 0 || args.includes('--help') || args.includes('-h') || args[0] === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const env = loadConfig();
  // The CLI joins the running embedded cluster; it never starts a second one on a forgotten DATA_DIR.
  const runtime = await resolveRuntime(env, () => {}, { startEmbedded: false });
  await prepareRuntimeDatabase(runtime, env);
  const dbh = createDb({ url: runtime.databaseUrl, max: 2 });
  try {
    await runAdmin(args, {
      db: dbh.db,
      keyring: runtime.keyring,
      destinations: { allowPrivate: env.ALLOW_PRIVATE_DESTINATIONS },
      readStdin: () => (process.stdin.isTTY ? Promise.resolve('') : text(process.stdin)),
      out: (line) => process.stdout.write(line + '\n'),
    });
  } finally {
    await dbh.close();
  }
});
