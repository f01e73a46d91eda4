/**
 * last-sync.json: per table the cursor (text at full precision, e.g. datetime2's 7 digits), when it
 * last ran and its counts; plus the last runs for `status`. Written atomically.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './files.ts';

export interface TableState {
  cursor?: string;
  lastRun: string;
  status: 'ok' | 'error';
  rowsRead: number;
  rowsChanged: number;
  error?: string;
}
export interface LastSync {
  tables: Record<string, TableState>;
  runs: { startedAt: string; finishedAt: string; status: 'ok' | 'partial' | 'error'; tables: number; errors: number }[];
}

export function readState(file: string): LastSync {
  if (!existsSync(file)) return { tables: {}, runs: [] };
  const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<LastSync>;
  return { tables: s.tables ?? {}, runs: s.runs ?? [] };
}

export function writeState(file: string, s: LastSync): void {
  writeFileAtomic(file, JSON.stringify({ ...s, runs: s.runs.slice(-20) }, null, 2) + '\n');
}
