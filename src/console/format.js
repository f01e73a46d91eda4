// Dates in the tenant's time zone (not the browser's); numbers exactly as the API sent them.
import { getLang } from './i18n.js';

let zone = 'UTC';
export const setZone = (z) => (zone = z);
export const getZone = () => zone;

export function fmtDate(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(getLang() === 'en' ? 'en-GB' : 'es-AR', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

/** A duration in seconds as "45 s", "12 min", "3 h", "2 d" (whole units; the API's integer). */
export function fmtSeconds(s) {
  if (s === null || s === undefined) return '—';
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** A value from the API printed as it came (strings stay strings: never parseFloat). */
export const show = (v) => (v === null || v === undefined ? '—' : String(v));
