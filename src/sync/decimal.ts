/** Exact decimal strings (money never goes through a double). */
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** `" 001234.50 "` → `"1234.50"`; a JS number is taken at its shortest exact rendering. Undefined when not a number. */
export function normalizeDecimal(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? normalizeDecimal(String(v).includes('e') ? v.toFixed(20) : String(v)) : undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'string') return undefined;
  const m = DECIMAL.exec(v.trim());
  if (!m || (!m[2] && !m[3])) return undefined;
  const int = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const frac = m[3] ?? '';
  const zero = /^0*$/.test(int + frac);
  return `${m[1] === '-' && !zero ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** Rounds an exact decimal string to `digits` places, half away from zero, padding with zeros. */
export function roundDecimal(value: string, digits: number): string {
  const neg = value.startsWith('-');
  const [int, frac = ''] = (neg ? value.slice(1) : value).split('.');
  const padded = (frac + '0'.repeat(digits + 1)).slice(0, digits + 1);
  let scaled = BigInt((int ?? '0') + padded.slice(0, digits));
  if (Number(padded[digits]) >= 5) scaled += 1n;
  const s = scaled.toString().padStart(digits + 1, '0');
  const out = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return neg && /[1-9]/.test(out) ? `-${out}` : out;
}
