/**
 * ERP SIMULATOR standalone (test/demo tooling, not the product):
 *   npm run erp-sim -- --port 14330 --database-url <postgres-url> --user sa --password <pw>
 */
import { parseArgs } from 'node:util';
import { startErpSimulator } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '14330' },
    'database-url': { type: 'string' },
    user: { type: 'string', default: 'sa' },
    password: { type: 'string' },
    tls: { type: 'string', default: 'off' },
    'legacy-varchar': { type: 'string' },
  },
});
if (!values['database-url'] || !values.password) {
  process.stderr.write(
    'usage: npm run erp-sim -- --port 14330 --database-url <postgres-url> --user sa --password <pw> [--tls off|strict]\n',
  );
  process.exit(2);
}
const sim = await startErpSimulator({
  databaseUrl: values['database-url'],
  port: Number(values.port),
  user: values.user!,
  password: values.password,
  tls: values.tls === 'strict' ? 'strict' : 'off',
  legacyVarcharColumns: values['legacy-varchar']?.split(','),
  log: (line) => process.stderr.write(line + '\n'),
});
process.stdout.write(`erp-sim listening on 127.0.0.1:${sim.port}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
