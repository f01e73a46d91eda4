/**
 * Exact decimal strings (money never goes through a double). The same helpers scale a decimal to
 * the integer SQL Server puts on the wire (`12.34` at scale 4 → 123400n) and back, so the ERP
 * driver boundary (src/erp/tedious-exact.ts) and the transform rules share one definition.
 */
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;
const NORMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;
/** Already what normalizeDecimal returns: no sign but `-`, no leading zeros, no exponent, digits after a point, no `-0`. */
const isNormal = (v: string) => NORMAL.test(v) && !NEGATIVE_ZERO.test(v);

/** `"1.5e3"` → `"1500"`: shifts the point by the exponent with string operations only. */
function shiftPoint(int: string, frac: string, exp: number): [string, string] {
  if (exp > 0) return [int + frac.padEnd(exp, '0').slice(0, exp), frac.slice(exp)];
  if (exp < 0) {
    const all = int.padStart(-exp + 1, '0');
    return [all.slice(0, exp), all.slice(exp) + frac];
  }
  return [int, frac];
}

/**
 * `" 001234.50 "` → `"1234.50"`; a JS number is taken at its shortest exact rendering (`1e21` →
 * `"1000000000000000000000"`). Exponents are expanded exactly. Undefined when not a number.
 */
export function normalizeDecimal(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? normalizeDecimal(String(v)) : undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'string') return undefined;
  // Already normal (what the ERP driver hands over): returned as is, without the regex's groups.
  if (isNormal(v)) return v;
  const m = DECIMAL.exec(v.trim());
  if (!m || (!m[2] && !m[3])) return undefined;
  const [rawInt, frac] = shiftPoint(m[2] ?? '', m[3] ?? '', Number(m[4] ?? 0));
  const int = rawInt.replace(/^0+(?=\d)/, '') || '0';
  const zero = /^0*$/.test(int + frac);
  return `${m[1] === '-' && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Rounds an exact decimal string to `digits` places, half away from zero, padding with zeros. */
export function roundDecimal(value: string, digits: number): string {
  const point = value.indexOf('.');
  // Already at that scale (a DECIMAL(14,2) column under `scale: 2`): nothing to round or pad.
  if (isNormal(value) && (point < 0 ? digits === 0 : value.length - point - 1 === digits)) return value;
  return fromScaled(toScaled(value, digits), digits);
}

/**
 * The decimal as an integer count of 10^-scale units: `toScaled("-19.99", 4)` → -199900n. Digits
 * beyond `scale` round half away from zero, as SQL Server does when it converts to a smaller scale.
 * Throws TypeError for anything that is not a decimal number.
 */
export function toScaled(value: unknown, scale: number): bigint {
  const d = normalizeDecimal(value);
  if (d === undefined) throw new TypeError(`${JSON.stringify(String(value))} is not a decimal number`);
  const neg = d.startsWith('-');
  const [int, frac = ''] = (neg ? d.slice(1) : d).split('.');
  let n = BigInt(int! + frac.padEnd(scale, '0').slice(0, scale));
  if (frac.length > scale && frac.charCodeAt(scale) >= 0x35 /* '5' */) n += 1n;
  return neg ? -n : n;
}

/** `fromScaled(-199900n, 4)` → `"-19.9900"`: the exact text with `scale` fractional digits. Zero is never negative. */
export function fromScaled(n: bigint, scale: number): string {
  const neg = n < 0n;
  const s = (neg ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale ? `${s.slice(0, -scale)}.${s.slice(-scale)}` : s;
  return neg ? `-${text}` : text;
}
