/**
 * A 5-field cron check (minute hour day-of-month month day-of-week), enough to refuse a typo at
 * write time; pg-boss evaluates the schedule itself.
 */
const FIELDS: [name: string, min: number, max: number][] = [
  ['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31], ['month', 1, 12], ['day of week', 0, 7],
];
const NAMES: Record<number, RegExp> = { 3: /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)$/i, 4: /^(sun|mon|tue|wed|thu|fri|sat)$/i };

function validAtom(atom: string, field: number): boolean {
  const [min, max] = [FIELDS[field]![1], FIELDS[field]![2]];
  const num = (s: string) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max;
  const value = (s: string) => num(s) || (NAMES[field]?.test(s) ?? false);
  const [range, step] = atom.split('/');
  if (atom.split('/').length > 2 || (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0))) return false;
  if (range === '*') return true;
  const bounds = range!.split('-');
  if (bounds.length > 2) return false;
  return bounds.every(value) && (bounds.length === 1 || !num(bounds[0]!) || !num(bounds[1]!) || Number(bounds[0]) <= Number(bounds[1]));
}

/** Why `expr` is not a valid 5-field cron expression, or undefined when it is. */
export function cronProblem(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return `expected 5 fields (minute hour day month weekday), got ${parts.length}`;
  for (const [i, part] of parts.entries()) {
    if (!part.split(',').every((atom) => validAtom(atom, i))) return `invalid ${FIELDS[i]![0]} field '${part}'`;
  }
  return undefined;
}
