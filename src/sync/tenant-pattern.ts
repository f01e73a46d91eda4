/**
 * Regular expressions written by tenants (`regex_replace`) run on RE2 (re2js, pure JS): matching
 * time is linear in the input, so a pattern like `(a|a)+$` cannot stall the event loop for every
 * tenant the way a backtracking engine does. RE2 has no backreferences or lookarounds; such a
 * pattern is refused when the configuration is written.
 */
import { RE2JS } from 're2js';

/** JavaScript-style flags we accept (`g` = every match, else the first); `u` is RE2's default. */
const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, g: 0, u: 0 };

export interface TenantPattern {
  /** `value` with the first match (every match with `g`) replaced; `$1`, `$<name>` refer to groups. */
  replace(value: string, replacement: string): string;
}

/** Compiles a tenant pattern; throws with RE2's message when the pattern is invalid or unsupported. */
export function compileTenantPattern(pattern: string, flags = 'g'): TenantPattern {
  const bits = [...flags].reduce((acc, f) => acc | (FLAG_BITS[f] ?? 0), 0);
  const re = RE2JS.compile(pattern, bits);
  const global = flags.includes('g');
  return {
    replace: (value, replacement) => (global ? re.matcher(value).replaceAll(replacement) : re.matcher(value).replaceFirst(replacement)),
  };
}
