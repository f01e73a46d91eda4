/**
 * Wall-clock ↔ instant in an IANA time zone with Intl only. ERP `datetime` columns carry no zone:
 * they are read as the tenant's local time and emitted as ISO-8601 with that zone's offset.
 */
import { z } from 'zod';
import { wallTime } from './wall-clock.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(instant: Date, timeZone: string): Record<string, number> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  let bc = false;
  for (const p of f.formatToParts(instant)) {
    if (p.type === 'era') bc = p.value === 'BC';
    else if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  // The hours west of UTC on 0001-01-01 fall in 1 BC, which Intl prints as year "1" of the other era.
  if (bc) out.year = 1 - out.year!;
  return out;
}

/**
 * Offset of `timeZone` from UTC at `instant`, seconds. Seconds, not minutes: before standard time
 * zones clocks ran on local mean time (Buenos Aires -03:53:48 in year 0001), and rounding that to
 * minutes would move a midnight DATE to the previous day.
 */
function offsetSeconds(instant: Date, timeZone: string): number {
  const p = parts(instant, timeZone);
  const asUtc = wallTime(p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!).getTime();
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 1000);
}

/** Offset of `timeZone` from UTC at `instant`, minutes (e.g. -180 for Buenos Aires). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  return Math.round(offsetSeconds(instant, timeZone) / 60);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/**
 * `2026-11-23T09:30:00.000-03:00`: the instant as wall time in `timeZone`, with its offset. The wall
 * time is exact; an offset with seconds (local mean time, before ~1900) prints rounded to minutes.
 */
export function toZonedIso(instant: Date, timeZone: string, fraction = pad(instant.getUTCMilliseconds(), 3)): string {
  const offSec = offsetSeconds(instant, timeZone);
  const off = Math.round(offSec / 60);
  const local = new Date(instant.getTime() + offSec * 1000);
  const sign = off < 0 ? '-' : '+';
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${fraction}` +
    `${sign}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`
  );
}

/**
 * The instant at which clocks in `timeZone` show the given wall time (fields as in a UTC Date).
 * Two passes settle the offset; in a DST gap the later offset wins, as most ERPs would store it.
 */
export function fromWallTime(wall: Date, timeZone: string): Date {
  let guess = new Date(wall.getTime() - offsetSeconds(wall, timeZone) * 1000);
  guess = new Date(wall.getTime() - offsetSeconds(guess, timeZone) * 1000);
  return guess;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The one check of a time-zone field (configs, the admin CLI). */
export const timeZoneSchema = z.string().refine(isTimeZone, 'not an IANA time zone');
