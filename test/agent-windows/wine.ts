/**
 * Runs dist/ax-sync-client.exe under Wine 10 inside the trixie chroot that scripts/agent-windows.sh
 * prepares (AGENT_WINE_CHROOT) from the work folder it bind-mounts at the same path inside
 * (AGENT_WINE_WORK). node.exe under Wine fails with EBADF when stdout/stderr is a pipe, so each
 * command writes them to files in the work folder and they are read back after it exits.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { finished, type Finished } from '../helpers/processes.ts';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through \`make agent-test-windows\` (scripts/agent-windows.sh)`);
  return v;
}

export const CHROOT = required('AGENT_WINE_CHROOT');
/** The agent's install folder: the .exe, sync-config.enc, last-sync.json and logs/ (same path on both sides). */
export const WORK = required('AGENT_WINE_WORK');
export const WIN_EXE = path.join(WORK, 'ax-sync-client.exe');
/** The same folder as the Windows program sees it (Wine maps Z: to the root of the chroot). */
export const WORK_WIN = `Z:${WORK.replaceAll('/', '\\')}`;
export const CONFIG_PASSWORD = 'Mi_Password_Super_Seguro_2024!';

let seq = 0;

/**
 * One agent command under Wine, without --dir: like on a Windows server, the agent's files live
 * next to the executable.
 */
export async function runWine(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  const n = String(++seq).padStart(2, '0');
  const outPath = path.join(WORK, `cmd-${n}.out`);
  const errPath = path.join(WORK, `cmd-${n}.err`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const child = spawn('chroot', [CHROOT, 'wine', WIN_EXE, ...args], {
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin', // chroot is in sbin; wine inside, in bin
        HOME: '/root',
        XDG_RUNTIME_DIR: '/run/user/0',
        WINEPREFIX: '/root/.wine-parse-sync',
        WINEDEBUG: '-all',
        LANG: 'es_AR.UTF-8',
        SYNC_CONFIG_PASSWORD: CONFIG_PASSWORD,
        ...env,
      },
      stdio: ['ignore', out, err],
    });
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
    const r = await Promise.race([finished(child, 180_000), spawnFailed]);
    return { ...r, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}
