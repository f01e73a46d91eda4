/**
 * ERP SIMULATOR: splits a T-SQL batch into its statements at top-level semicolons, so a batch of
 * several SELECTs answers with several result sets (one COLMETADATA … DONE per statement), as
 * SQL Server does. Semicolons inside 'literals', "quoted" and [bracketed] names and comments do
 * not split. Statements separated only by line breaks are NOT split (T-SQL allows that; the
 * simulator does not parse T-SQL grammar) — docs/erp-simulator.md says so.
 */

/** The statements of `batch`, trimmed, empty ones dropped. */
export function splitBatch(batch: string): string[] {
  const out: string[] = [];
  let start = 0;
  const closeOf: Record<string, string> = { "'": "'", '"': '"', '[': ']' };
  for (let i = 0; i < batch.length; i++) {
    const ch = batch[i]!;
    const close = closeOf[ch];
    if (close) {
      // Skip to the matching close; a doubled close ('' or ]]) is an escaped one.
      let j = i + 1;
      for (; j < batch.length; j++) {
        if (batch[j] === close && batch[j + 1] === close) j++;
        else if (batch[j] === close) break;
      }
      i = j;
    } else if (ch === '-' && batch[i + 1] === '-') {
      const j = batch.indexOf('\n', i);
      i = j < 0 ? batch.length : j;
    } else if (ch === '/' && batch[i + 1] === '*') {
      const j = batch.indexOf('*/', i + 2);
      i = j < 0 ? batch.length : j + 1;
    } else if (ch === ';') {
      out.push(batch.slice(start, i));
      start = i + 1;
    }
  }
  out.push(batch.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0 && !/^(--[^\n]*\n?\s*)+$/.test(s + '\n'));
}
