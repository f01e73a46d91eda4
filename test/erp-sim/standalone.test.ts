/**
 * ERP SIMULATOR seen by FreeTDS `tsql` (Debian freetds-bin), a TDS client written independently
 * of tedious, and run standalone as `npm run erp-sim` would.
 */
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase } from '../helpers/db.ts';
import { SIM_PASSWORD, SIM_USER, startSimulator } from './tedious-client.ts';

function tsql(port: number, input: string, password = SIM_PASSWORD): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'tsql',
      ['-H', '127.0.0.1', '-p', String(port), '-U', SIM_USER, '-P', password, '-D', 'erp'],
      { env: { ...process.env, TDSVER: '7.4' }, timeout: 20_000 },
      (_e, stdout, stderr) => resolve({ stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

t.test('FreeTDS tsql: login, a SELECT of several types, an error, a refused login', async (t) => {
  const { sim, db } = await startSimulator(t, { legacyVarcharColumns: ['legado'] });
  await tsql(sim.port, 'exit\n'); // first session creates the simulator's domains
  await db.pool
    .query(`CREATE TABLE muestra (n int, nombre text, legado text, importe numeric(10,2), alta timestamp, activo boolean, id uuid);
    INSERT INTO muestra VALUES (1, 'Ñandú', 'Ñandú', 12.50, '2026-03-01 09:30:00.123456', true, '6f9619ff-8b86-d011-b42d-00c04fc964ff'), (2, NULL, NULL, NULL, NULL, NULL, NULL)`);
  const ok = await tsql(
    sim.port,
    'SELECT n, nombre, legado, importe, alta, activo, id FROM muestra ORDER BY n\ngo\nSELECT * FROM no_existe\ngo\nexit\n',
  );
  const lines = ok.stdout.split('\n').map((l) => l.replace(/^(\d+> )+/, '')); // drop tsql's prompts
  const header = lines.findIndex((l) => l.startsWith('n\tnombre'));
  t.equal(lines[header], 'n\tnombre\tlegado\timporte\talta\tactivo\tid');
  t.match(
    lines[header + 1],
    /^1\tÑandú\tÑandú\t12\.50\tMar +1 2026 09:30AM\t1\t6F9619FF-8B86-D011-B42D-00C04FC964FF$/,
    'values decoded by FreeTDS (NVARCHAR, CP1252 VARCHAR, DECIMAL, DATETIME2, BIT, GUID)',
  );
  t.equal(lines[header + 2], '2\tNULL\tNULL\tNULL\tNULL\tNULL\tNULL');
  t.match(ok.stdout, /\(2 rows affected\)/);
  t.match(ok.stderr, /Msg 208 \(severity 16, state 1\) from ERP-SIMULATOR/);

  const bad = await tsql(sim.port, 'exit\n', 'wrong');
  t.match(bad.stderr, /Msg 18456.*\n.*Login failed for user 'sa'/);
});

t.test('standalone: npm run erp-sim prints where it listens, serves, and stops on SIGTERM', async (t) => {
  const db = await createTestDatabase(t, { empty: true });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'main.ts'),
      '--port',
      '0',
      '--database-url',
      db.url,
      '--user',
      SIM_USER,
      '--password',
      SIM_PASSWORD,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => child.kill('SIGKILL'));
  const line = await new Promise<string>((resolve) => child.stdout.on('data', (c: Buffer) => resolve(c.toString())));
  t.match(line, /^erp-sim listening on 127\.0\.0\.1:\d+$/m);
  const port = Number(/:(\d+)/.exec(line)![1]);
  const r = await tsql(port, 'SELECT 40 + 2 AS answer\ngo\nexit\n');
  t.match(r.stdout, /answer\n42\n/);
  child.kill('SIGTERM');
  t.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, 'clean exit on SIGTERM');
});
