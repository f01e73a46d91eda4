import type { EntityConfigRow } from '../db/schema.ts';

export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * Checks a Hub payload against the entity's `field_mapping.hub_to_erp`: when the mapping names
 * the fields, a top-level key it does not know is a typo or a field the ERP would silently drop,
 * so it is refused. `items` (document lines) is always allowed. Without a mapping, any object passes.
 */
export function checkOutboundPayload(payload: Record<string, unknown>, config: EntityConfigRow, path = 'payload'): FieldIssue[] {
  const mapping = (config.field_mapping as { hub_to_erp?: unknown }).hub_to_erp;
  if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping)) return [];
  const known = new Set([...Object.keys(mapping), 'items']);
  if (known.size <= 1) return [];
  return Object.keys(payload)
    .filter((k) => !known.has(k))
    .map((k) => ({ path: `${path}.${k}`, message: `not a field of ${config.entity_type} (known: ${[...known].sort().join(', ')})` }));
}
