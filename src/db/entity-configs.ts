import type { Executor } from './connect.ts';
import type { Direction, EntityConfigRow } from './schema.ts';

/** The tenant's enabled config for an entity that flows in one of `directions` (BOTH counts for either). */
export async function findEntityConfig(
  db: Executor,
  tenantId: string,
  entityType: string,
  flow: 'IN' | 'OUT',
): Promise<EntityConfigRow | undefined> {
  const directions: Direction[] = [flow, 'BOTH'];
  return db
    .selectFrom('sync_entity_config')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('entity_type', '=', entityType)
    .where('enabled', '=', true)
    .where('direction', 'in', directions)
    .orderBy('id')
    .executeTakeFirst();
}
