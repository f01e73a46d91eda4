/**
 * A short-TTL cache of live API keys by hash, and the batched `last_used_at` writes, so an
 * authenticated request costs no database round trip while its key is cached.
 *
 * Revocation (`admin key revoke`, another process) takes effect within the TTL: a cached key is
 * trusted for at most `ttlMs` after it was read. Unknown or revoked keys are never cached, so a
 * new key works at once and a miss always asks the database.
 */
import { findApiKeyByHash, touchApiKeys } from '../db/api-keys.ts';
import type { Executor } from '../db/connect.ts';
import type { ApiKeyRow } from '../db/schema.ts';

/** How long a key read from the database is trusted, ms: the revocation delay. */
const API_KEY_CACHE_TTL_MS = 5_000;
/** How often used keys' last_used_at is written (the column is kept to the minute anyway), ms. */
const API_KEY_TOUCH_INTERVAL_MS = 10_000;
/** Bound on cached keys; past it the oldest entries go first. */
const MAX_ENTRIES = 10_000;

export interface ApiKeyCache {
  find(hash: string): Promise<ApiKeyRow | undefined>;
  /** Notes a use of the key; written with the next flush. */
  touch(id: string): void;
  /** Writes pending last_used_at updates now. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
}

export function createApiKeyCache(
  deps: { db: Executor },
  o: { ttlMs?: number; touchIntervalMs?: number; now?: () => number } = {},
): ApiKeyCache {
  const ttlMs = o.ttlMs ?? API_KEY_CACHE_TTL_MS;
  const now = o.now ?? Date.now;
  const entries = new Map<string, { key: ApiKeyRow; until: number }>();
  const used = new Set<string>();
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (used.size === 0) return flushing;
    const ids = [...used];
    used.clear();
    // Chained: at most one UPDATE in flight; a failed write is dropped (last_used_at is advisory).
    flushing = flushing.then(() => touchApiKeys(deps.db, ids)).catch(() => {});
    return flushing;
  };
  const timer = setInterval(() => void flush(), o.touchIntervalMs ?? API_KEY_TOUCH_INTERVAL_MS);
  timer.unref();

  return {
    async find(hash) {
      const hit = entries.get(hash);
      if (hit && hit.until > now()) return hit.key;
      entries.delete(hash);
      const key = await findApiKeyByHash(deps.db, hash);
      if (key && ttlMs > 0) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(hash, { key, until: now() + ttlMs });
      }
      return key;
    },
    touch(id) {
      used.add(id);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
