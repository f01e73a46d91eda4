/** The test runner's ERP targets: why Babelfish is skipped, and the per-target summary. */
import t from 'tap';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { babelfishUnavailable, BABELFISH_DIR } from '../helpers/babelfish.ts';
import { targetSummary } from '../helpers/target-tally.ts';

t.test('Babelfish is skipped with a reason: not selected, not there, not root', async (t) => {
  t.equal(await babelfishUnavailable({ erpTarget: 'simulator', uid: 0 }), 'ERP_TARGET=simulator');
  t.equal(
    await babelfishUnavailable({ dir: '/nonexistent/babelfish', uid: 0, erpTarget: 'both' }),
    'no /nonexistent/babelfish (the packaged Babelfish build)',
  );
  t.match(await babelfishUnavailable({ dir: BABELFISH_DIR, uid: 1000, erpTarget: 'babelfish' }), /^not root: /);
});

t.test('the summary counts what ran on each target and groups the skip reasons', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'targets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.equal(await targetSummary(dir), '', 'no ERP test, no summary');
  await appendFile(
    path.join(dir, '1.tsv'),
    'simulator\tran\ta.ts\tx [simulator]\t\nbabelfish\tskipped\ta.ts\tx [babelfish]\tbabelfish: no MERGE\nmssql\tskipped\ta.ts\tx [mssql]\tMSSQL_URL not set\n',
  );
  await appendFile(
    path.join(dir, '2.tsv'),
    'simulator\tran\tb.ts\ty [simulator]\t\nbabelfish\tran\tb.ts\ty [babelfish]\t\nmssql\tskipped\tb.ts\ty [mssql]\tMSSQL_URL not set\n',
  );
  t.equal(
    await targetSummary(dir),
    [
      'ERP targets:',
      '  simulator 2 ran',
      '  babelfish 1 ran, 1 skipped: babelfish: no MERGE',
      '  mssql     0 ran, 2 skipped: MSSQL_URL not set',
      '',
    ].join('\n'),
  );
});
