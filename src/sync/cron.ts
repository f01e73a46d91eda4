/**
 * A 5-field cron check (minute hour day-of-month month day-of-week), enough to refuse a typo at
 * write time; pg-boss evaluates the schedule itself.
 */
const FIELDS: [name: string, min: number, max: number][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
];
const NAMES: Record<number, RegExp> = { 3: /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)$/i, 4: /^(sun|mon|tue|wed|thu|fri|sat)$/i };

function validAtom(atom: string, field: number): boolean {
  const [min, max] = [FIELDS[field]![1], FIELDS[field]![2]];
  // Cron fields are small integers (minute, hour, day…), exact as JS numbers.
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

/** The values one numeric field (minute or hour) of a valid expression fires at. */
function expand(part: string, min: number, max: number): number[] {
  const out = new Set<number>();
  for (const atom of part.split(',')) {
    const [range, stepText] = atom.split('/');
    const step = Number(stepText ?? 1);
    if (!(step >= 1)) return []; // only reachable for an expression cronProblem refuses
    const [lo, hi] =
      range === '*'
        ? [min, max]
        : range!.includes('-')
          ? (range!.split('-').map(Number) as [number, number])
          : [Number(range), stepText ? max : Number(range)];
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The shortest gap between two runs of a valid 5-field cron expression, seconds. Computed from the
 * minute and hour fields over one day, including the wrap to the next day (conservative when the
 * day fields skip days: such a schedule is never reported as less frequent than it can be).
 */
export function cronShortestGapSeconds(expr: string): number {
  const [minutes, hours] = expr.trim().split(/\s+/);
  const times = expand(hours ?? '', 0, 23).flatMap((h) => expand(minutes ?? '', 0, 59).map((m) => h * 60 + m));
  if (times.length === 0 || times.some(Number.isNaN)) return 0;
  let gap = 1440 - times[times.length - 1]! + times[0]!;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  return gap * 60;
}
