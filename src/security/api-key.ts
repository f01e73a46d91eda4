import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'sk_live_';
/** Characters of the raw key kept as its display prefix (enough to tell keys apart, useless to an attacker). */
const DISPLAY_LENGTH = KEY_PREFIX.length + 8;

/** A fresh API key: `sk_live_` + 32 random bytes (base64url). Shown once; only its hash is stored. */
export function generateApiKey(): { raw: string; hash: string; prefix: string } {
  const raw = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { raw, hash: hashApiKey(raw), prefix: raw.slice(0, DISPLAY_LENGTH) };
}

/** SHA-256 hex of the raw key: what `sync_api_key.key_hash` holds. */
export function hashApiKey(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}

/** Cheap shape check before touching the database. */
export function looksLikeApiKey(raw: string): boolean {
  return /^sk_live_[A-Za-z0-9_-]{43}$/.test(raw);
}
