/**
 * A short-TTL, per-process cache of the enabled entity configs the hot Hub routes check on every
 * request (outbound POST, inbound lease and ack), so such a request costs no config round trip.
 *
 * A config changed or disabled elsewhere applies within the TTL; an entity that is not configured
 * is never cached, so a new config works at once and a miss always asks the database.
 */
import type { Executor } from '../db/connect.ts';
import { findEntityConfig } from '../db/entity-configs.ts';
import { parseEntityConfig, type EntityConfig } from '../sync/entity-config.ts';

/** How long a config read from the database is used, ms. */
export const ENTITY_CONFIG_CACHE_TTL_MS = 2_000;
/** Bound on cached configs; past it the oldest entries go first. */
const MAX_ENTRIES = 10_000;

export type EntityConfigCache = ReturnType<typeof createEntityConfigCache>;

export function createEntityConfigCache(deps: { db: Executor }, o: { ttlMs?: number; now?: () => number } = {}) {
  const ttlMs = o.ttlMs ?? ENTITY_CONFIG_CACHE_TTL_MS;
  const now = o.now ?? Date.now;
  const entries = new Map<string, { config: EntityConfig; until: number }>();
  return {
    /** The tenant's enabled config for `entityType` flowing `flow` (as findEntityConfig), parsed once per fill. */
    async find(tenantId: string, entityType: string, flow: 'IN' | 'OUT'): Promise<EntityConfig | undefined> {
      const key = JSON.stringify([tenantId, entityType, flow]);
      const hit = entries.get(key);
      if (hit && hit.until > now()) return hit.config;
      entries.delete(key);
      const row = await findEntityConfig(deps.db, { tenantId, entityType, flow });
      const config = row && parseEntityConfig(row);
      if (config && ttlMs > 0) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(key, { config, until: now() + ttlMs });
      }
      return config;
    },
  };
}
