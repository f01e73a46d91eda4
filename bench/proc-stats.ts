/** CPU time and peak RSS of a process (Linux /proc), to record beside each bench figure. */
import { readFileSync } from 'node:fs';

export interface ProcStats {
  /** user + system CPU time since the process started, ms. */
  cpuMs: number;
  /** Peak resident set size (VmHWM) since the process started, MB. */
  peakRssMb: number;
}

// USER_HZ is 100 on every Linux we run on (sysconf(_SC_CLK_TCK)).
const CLK_TCK = 100;

export function procStats(pid: number = process.pid): ProcStats | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuMs, peakRssMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

/** CPU ms a process spent between two snapshots, and its peak RSS at the end (rounded). */
export function procDelta(before: ProcStats | null, after: ProcStats | null): { cpu_ms: number; peak_rss_mb: number } | null {
  if (!before || !after) return null;
  return { cpu_ms: Math.round(after.cpuMs - before.cpuMs), peak_rss_mb: Math.round(after.peakRssMb) };
}
