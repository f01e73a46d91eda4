/** The worker's V8 flags (src/bin/node-flags.ts) are the same wherever a worker is started, and no server gets them. */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { WORKER_NODE_FLAGS } from '../src/bin/node-flags.ts';

const root = new URL('../', import.meta.url);
const read = (file: string) => readFile(new URL(file, root), 'utf8');
const flags = WORKER_NODE_FLAGS.join(' ');

t.test('every way of starting the worker passes its flags; the server starts without them', async (t) => {
  const makefile = await read('Makefile');
  t.match(makefile, `WORKER_NODE_FLAGS := ${flags}\n`, 'Makefile');
  t.match(makefile, /worker: install\n\tnode \$\(WORKER_NODE_FLAGS\) --import tsx src\/bin\/worker\.ts/);
  const scripts = (JSON.parse(await read('package.json')) as { scripts: Record<string, string> }).scripts;
  t.equal(scripts.worker, `node ${flags} --import tsx src/bin/worker.ts`, 'package.json worker');
  t.equal(scripts.server, 'node --import tsx src/bin/server.ts', 'package.json server');
  const compose = await read('docker-compose.yml');
  t.match(compose, `command: ['node', ${WORKER_NODE_FLAGS.map((f) => `'${f}'`).join(', ')}, '--import', 'tsx', 'src/bin/worker.ts']`);
  const dockerfile = await read('Dockerfile');
  t.match(dockerfile, `node ${flags} --import tsx src/bin/worker.ts`, 'Dockerfile: how to run the worker');
  t.match(dockerfile, 'CMD ["node", "--import", "tsx", "src/bin/server.ts"]');
  for (const doc of ['docs/en/production.md', 'docs/es/produccion.md']) {
    const text = await read(doc);
    t.match(text, `node ${flags} --import tsx src/bin/worker.ts`, `${doc}: worker`);
    t.match(text, 'node_modules/.bin/node --import tsx src/bin/server.ts', `${doc}: server`);
  }
});
