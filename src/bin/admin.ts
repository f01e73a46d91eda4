/** `make admin ARGS="…"` / `npm run admin -- …`: see src/admin/admin-cli.ts for the commands. */
import { text } from 'node:stream/consumers';
import { runAdmin } from '../admin/admin-cli.ts';
import { loadConfig } from '../config/config.ts';
import { resolveRuntime } from '../config/bootstrap.ts';
import { createDb } from '../db/connect.ts';
import { prepareDatabase } from '../queue/boss.ts';
import { runMain } from './main.ts';

runMain('admin', async () => {
  const env = loadConfig();
  const runtime = await resolveRuntime(env);
  const dbh = createDb({ url: runtime.databaseUrl, max: 2 });
  try {
    await prepareDatabase(dbh.db, runtime.databaseUrl);
    await runAdmin(process.argv.slice(2), {
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
