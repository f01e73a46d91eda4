/**
 * Logs for the backend (POST /api/sync/logs) go to a local queue file first and are sent in
 * batches; whatever the backend does not acknowledge stays queued for the next run.
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Backend, LogEntry } from './backend.ts';
import { writeFileAtomic } from './files.ts';

const BATCH = 500;

export function createLogQueue(dir: string) {
  const file = path.join(dir, 'logs', 'pending-logs.jsonl');
  const pending = (): LogEntry[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as LogEntry)
      : [];
  return {
    push(entry: LogEntry) {
      appendFileSync(file, JSON.stringify(entry) + '\n');
    },
    /** Sends everything queued; returns how many stay queued (0 when the backend took them all). */
    async flush(backend: Backend): Promise<number> {
      let left = pending();
      while (left.length) {
        try {
          await backend.logs(left.slice(0, BATCH));
        } catch {
          break;
        }
        left = left.slice(BATCH);
        if (left.length) writeFileAtomic(file, left.map((l) => JSON.stringify(l)).join('\n') + '\n');
        else rmSync(file, { force: true });
      }
      return left.length;
    },
  };
}
export type LogQueue = ReturnType<typeof createLogQueue>;
