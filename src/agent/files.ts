/** Small file helpers of the agent: atomic writes, the run lock, size-rotated log files. */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** Write to a temporary sibling, fsync, rename: a crash leaves the old file or the new one, never half. */
export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The run lock: created exclusively with our pid. A lock whose process is gone (killed, power cut)
 * is taken over; a live one means another run is in progress → returns its pid.
 */
export function acquireLock(file: string): { release(): void } | { heldBy: string } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) return { heldBy: String(pid) };
      rmSync(file, { force: true });
    }
  }
  return { heldBy: '?' };
}

/** Appends lines to logs/sync-combined.log (and errors to logs/sync-error.log), rotating by size. */
export function createLogFiles(dir: string, o: { maxBytes?: number; keep?: number } = {}) {
  const logs = path.join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const maxBytes = o.maxBytes ?? 10 * 1024 * 1024;
  const keep = o.keep ?? 5;
  const append = (name: string, line: string) => {
    const file = path.join(logs, name);
    if (existsSync(file) && statSync(file).size + line.length > maxBytes) {
      for (let i = keep - 1; i >= 1; i--) if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      renameSync(file, `${file}.1`);
      rmSync(`${file}.${keep}`, { force: true });
    }
    appendFileSync(file, line);
  };
  return {
    write(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) {
      const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }) + '\n';
      append('sync-combined.log', line);
      if (level === 'error') append('sync-error.log', line);
    },
  };
}
export type LogFiles = ReturnType<typeof createLogFiles>;
