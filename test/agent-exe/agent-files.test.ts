/** The agent's local files: size-rotated logs, the run lock, the encrypted config envelope, schedule lines. */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigFileError, openSettings, sealSettings, type AgentSettings } from '../../src/agent/config-file.ts';
import { acquireLock, createLogFiles } from '../../src/agent/files.ts';
import { messages } from '../../src/agent/messages.ts';
import { scheduleText, schtasksArgs } from '../../src/agent/schedule.ts';

const tmp = (t: { teardown(fn: () => unknown): void }) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ax-files-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('logs rotate by size and keep N files; errors also go to sync-error.log', async (t) => {
  const dir = tmp(t);
  const log = createLogFiles(dir, { maxBytes: 300, keep: 3 });
  for (let i = 0; i < 40; i++) log.write(i % 10 === 0 ? 'error' : 'info', `line ${i}`);
  const logs = path.join(dir, 'logs');
  t.ok(existsSync(path.join(logs, 'sync-combined.log.1')) && existsSync(path.join(logs, 'sync-combined.log.2')));
  t.notOk(existsSync(path.join(logs, 'sync-combined.log.3')), 'only keep-1 rotated files');
  t.ok(readFileSync(path.join(logs, 'sync-combined.log'), 'utf8').length <= 300);
  t.match(readFileSync(path.join(logs, 'sync-combined.log'), 'utf8'), /"message":"line 39"/);
  t.same(
    readFileSync(path.join(logs, 'sync-error.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).message),
    ['line 0', 'line 10', 'line 20', 'line 30'],
  );
});

t.test('the lock: exclusive while held, released, a dead holder is taken over', async (t) => {
  const file = path.join(tmp(t), 'sync.lock');
  const a = acquireLock(file);
  t.ok('release' in a);
  t.same(acquireLock(file), { heldBy: String(process.pid) });
  if ('release' in a) a.release();
  t.notOk(existsSync(file));
  writeFileSync(file, '2147483646');
  const b = acquireLock(file);
  t.ok('release' in b, 'stale lock taken over');
  t.equal(readFileSync(file, 'utf8'), String(process.pid));
});

t.test('config envelope: round trip; a wrong password and any modified field are refused', async (t) => {
  const s: AgentSettings = {
    url: 'http://127.0.0.1:1',
    tenantId: 'acme',
    apiKey: 'sk_live_x',
    encrypt: 'off',
    trustServerCertificate: true,
    timeZone: 'UTC',
  };
  const sealed = sealSettings(s, 'pw');
  t.same(openSettings(sealed, 'pw', 'f'), s);
  t.throws(() => openSettings(sealed, 'PW', 'f'), new ConfigFileError('password', 'f'));
  const env = JSON.parse(sealed);
  t.throws(
    () => openSettings(JSON.stringify({ ...env, salt: Buffer.alloc(16).toString('base64') }), 'pw', 'f'),
    new ConfigFileError('password', 'f'),
  );
  t.throws(
    () => openSettings(JSON.stringify({ ...env, N: 2 ** 30 }), 'pw', 'f'),
    new ConfigFileError('format', 'f'),
    'absurd KDF parameters are refused before deriving',
  );
  t.throws(() => openSettings('{', 'pw', 'f'), new ConfigFileError('format', 'f'));
});

t.test('schedule: seed 001 schtasks line on Windows, a systemd timer on Linux', async (t) => {
  t.same(schtasksArgs({ dir: 'C:\\sync', everyMinutes: 5 }), [
    '/create',
    '/tn',
    'AX Sync',
    '/tr',
    '"C:\\sync\\ax-sync-client.exe" sync --dir "C:\\sync"',
    '/sc',
    'minute',
    '/mo',
    '5',
    '/ru',
    'SYSTEM',
    '/f',
  ]);
  t.match(
    scheduleText(messages('es'), { dir: 'C:\\sync', exe: 'x', everyMinutes: 5, platform: 'win32' }),
    /schtasks \/create \/tn "AX Sync" .* \/sc minute \/mo 5 \/ru SYSTEM \/f/,
  );
  t.match(
    scheduleText(messages('en'), { dir: '/opt/sync', exe: 'x', everyMinutes: 10, platform: 'linux' }),
    /OnUnitActiveSec=10min[\s\S]*ExecStart|ExecStart=\/opt\/sync\/ax-sync-client sync --dir \/opt\/sync[\s\S]*OnUnitActiveSec=10min/,
  );
});
