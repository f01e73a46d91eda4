/**
 * The one parser of wall-clock date-times (`2026-03-01`, `2026-03-01T09:30:00.1234567`,
 * `…+02:00`) used by the transform rules, ERP parameters and bulk load. A wall time is held as a
 * Date whose UTC fields are the clock reading. Built with setUTCFullYear, never Date.UTC, which
 * maps years 0–99 to 1900–1999 and so turned SQL Server's minimum `0001-01-01` into 1901.
 */

/** A Date whose UTC fields read y-mo-d h:mi:s.ms (month 1–12). Out-of-range fields roll over, as Date does. */
export function wallTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, ms);
  return t;
}

export interface WallClock {
  /** The clock reading to the millisecond (UTC fields). */
  wall: Date;
  /** Fractional-second digits exactly as written (up to 9; '' when none): datetime2(7) keeps all 7. */
  fraction: string;
  /** Minutes east of UTC when the text carried `Z` or `±hh:mm`; undefined for a zone-less wall time. */
  offsetMinutes?: number;
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses ISO-8601-like text. Undefined when the text does not have that shape; RangeError when it
 * does but names an impossible date or time (2026-02-30, 24:00), which Date would silently roll over.
 */
export function parseWallClock(text: string): WallClock | undefined {
  const m = WALL.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const fraction = m[7] ?? '';
  const wall = wallTime(y, mo, d, h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  if (
    wall.getUTCFullYear() !== y ||
    wall.getUTCMonth() !== mo - 1 ||
    wall.getUTCDate() !== d ||
    wall.getUTCHours() !== h ||
    wall.getUTCMinutes() !== mi ||
    wall.getUTCSeconds() !== s
  ) {
    throw new RangeError(`${JSON.stringify(text)} is not a valid date`);
  }
  const zone = m[8]?.toUpperCase();
  if (zone === undefined) return { wall, fraction };
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  return { wall, fraction, offsetMinutes: z ? (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) : 0 };
}

/** The instant a parsed value names: its wall time minus its offset (a zone-less value is taken as UTC). */
export const instantOf = (c: WallClock): Date => new Date(c.wall.getTime() - (c.offsetMinutes ?? 0) * 60_000);
