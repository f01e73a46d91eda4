/**
 * Wall-clock ↔ instant in an IANA time zone with Intl only. ERP `datetime` columns carry no zone:
 * they are read as the tenant's local time and emitted as ISO-8601 with that zone's offset.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(instant: Date, timeZone: string): Record<string, number> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** Offset of `timeZone` from UTC at `instant`, minutes (e.g. -180 for Buenos Aires). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const p = parts(instant, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** `2026-11-23T09:30:00.000-03:00`: the instant as wall time in `timeZone`, with its offset. */
export function toZonedIso(instant: Date, timeZone: string, fraction = pad(instant.getUTCMilliseconds(), 3)): string {
  const off = offsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + off * 60_000);
  const sign = off < 0 ? '-' : '+';
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${fraction}` +
    `${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`
  );
}

/**
 * The instant at which clocks in `timeZone` show the given wall time (fields as in a UTC Date).
 * Two passes settle the offset; in a DST gap the later offset wins, as most ERPs would store it.
 */
export function fromWallTime(wall: Date, timeZone: string): Date {
  let guess = new Date(wall.getTime() - offsetMinutes(wall, timeZone) * 60_000);
  guess = new Date(wall.getTime() - offsetMinutes(guess, timeZone) * 60_000);
  return guess;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
