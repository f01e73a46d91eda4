/**
 * The nominal period of a pull schedule, for freshness-vs-schedule (metrics, alerts). Covers the
 * shapes configs use (every N minutes, hourly, daily, weekly); anything else → undefined, and the
 * entity is then judged by freshness alone.
 */
export function schedulePeriodSeconds(cron: string | null): number | undefined {
  if (!cron) return undefined;
  const [min, hour, dom, month, dow] = cron.trim().split(/\s+/);
  if (month !== '*' || dom !== '*') return undefined;
  const every = (f: string | undefined) => (f === '*' ? 1 : /^\*\/(\d+)$/.exec(f ?? '')?.[1]);
  const fixed = (f: string | undefined) => /^\d+$/.test(f ?? '');
  if (dow === '*') {
    const m = every(min);
    if (m !== undefined && hour === '*') return Number(m) * 60;
    const h = every(hour);
    if (fixed(min) && h !== undefined) return Number(h) * 3600;
    if (fixed(min) && fixed(hour)) return 86_400;
    return undefined;
  }
  return fixed(min) && fixed(hour) && fixed(dow) ? 7 * 86_400 : undefined;
}
