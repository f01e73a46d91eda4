/** The runner's per-target summary, from the lines test/helpers/erp-target.ts appends while tests run. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export async function targetSummary(dir: string): Promise<string> {
  const lines: string[][] = [];
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    for (const l of (await readFile(path.join(dir, f), 'utf8')).split('\n')) if (l) lines.push(l.split('\t'));
  }
  if (lines.length === 0) return '';
  let out = 'ERP targets:\n';
  for (const kind of ['simulator', 'babelfish', 'mssql']) {
    const mine = lines.filter((l) => l[0] === kind);
    const ran = mine.filter((l) => l[1] === 'ran').length;
    const reasons = new Map<string, number>();
    for (const l of mine.filter((l) => l[1] === 'skipped')) reasons.set(l[4] ?? '', (reasons.get(l[4] ?? '') ?? 0) + 1);
    const skipped = [...reasons].map(([r, n]) => `${n} skipped: ${r}`).join('; ');
    out += `  ${kind.padEnd(9)} ${ran} ran${skipped ? `, ${skipped}` : ''}\n`;
  }
  return out;
}
