/** `schedule`: the Task Scheduler entry of seed 001 on Windows, a systemd service + timer on Linux. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Messages } from './messages.ts';

/** The schtasks arguments of seed 001's task: every N minutes, as SYSTEM, replacing an older one. */
export function schtasksArgs(o: { dir: string; everyMinutes: number }): string[] {
  const exe = path.win32.join(o.dir, 'ax-sync-client.exe');
  return [
    '/create',
    '/tn',
    'AX Sync',
    '/tr',
    `"${exe}" sync --dir "${o.dir}"`,
    '/sc',
    'minute',
    '/mo',
    String(o.everyMinutes),
    '/ru',
    'SYSTEM',
    '/f',
  ];
}

/** `schedule --install` on Windows: creates the task (needs an administrator console). */
export function installWindowsTask(o: { dir: string; everyMinutes: number }): void {
  execFileSync('schtasks', schtasksArgs(o), { stdio: 'inherit' });
}

export function scheduleText(m: Messages, o: { dir: string; exe: string; everyMinutes: number; platform: string }): string {
  const every = Number.isInteger(o.everyMinutes) && o.everyMinutes > 0 ? o.everyMinutes : 5;
  if (o.platform === 'win32') {
    const exe = path.win32.join(o.dir, 'ax-sync-client.exe');
    return [
      m.scheduleWindows,
      '',
      `schtasks /create /tn "AX Sync" /tr "\\"${exe}\\" sync --dir \\"${o.dir}\\"" /sc minute /mo ${every} /ru SYSTEM /f`,
      `setx /M SYNC_CONFIG_PASSWORD "<contraseña>"`,
    ].join('\n');
  }
  const exe = path.join(o.dir, 'ax-sync-client');
  return [
    m.scheduleLinux,
    '',
    '# /etc/systemd/system/ax-sync.service',
    '[Unit]',
    'Description=ax-sync-client sync',
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${o.dir}`,
    `EnvironmentFile=${path.join(o.dir, 'ax-sync.env')}`,
    `ExecStart=${exe} sync --dir ${o.dir}`,
    '',
    '# /etc/systemd/system/ax-sync.timer',
    '[Unit]',
    'Description=ax-sync-client every few minutes',
    '',
    '[Timer]',
    `OnBootSec=2min`,
    `OnUnitActiveSec=${every}min`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
    `# ${path.join(o.dir, 'ax-sync.env')} (chmod 600): SYNC_CONFIG_PASSWORD=…`,
    'systemctl daemon-reload && systemctl enable --now ax-sync.timer',
  ].join('\n');
}
