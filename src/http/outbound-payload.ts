import { parseWallClock } from '../core/wall-clock.ts';
import type { QueueAction } from '../db/schema.ts';
import type { FieldType } from '../sync/entity-config-schema.ts';
import { missingStatements, type EntityConfig } from '../sync/entity-config.ts';

export interface FieldIssue {
  path: string;
  message: string;
}

const DECIMAL = /^-?\d{1,38}(?:\.\d{1,38})?$/;
const INTEGER = /^-?\d{1,19}$/;
// The shapes the API accepts; whether the day and time exist is parseWallClock's one check.
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})?$/;

/** A real calendar day and clock time (2026-02-30 and 24:00 are not), years 0001–9999 as SQL Server's. */
function isRealWallClock(text: string): boolean {
  try {
    const c = parseWallClock(text);
    return c !== undefined && c.wall.getUTCFullYear() >= 1;
  } catch {
    return false;
  }
}

/** Why `v` is not a value of `type`, or undefined. null is always accepted (bound as NULL). */
function typeProblem(v: unknown, type: FieldType): string | undefined {
  if (v === null) return undefined;
  switch (type) {
    case 'string':
      return typeof v === 'string' || typeof v === 'number' ? undefined : 'must be a string';
    case 'integer':
      return (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && INTEGER.test(v))
        ? undefined
        : 'must be an integer';
    case 'decimal':
      return typeof v === 'string' && DECIMAL.test(v)
        ? undefined
        : 'must be a decimal string like "1500.00" (dot as decimal separator, no thousands separator)';
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof v === 'string' && DATE.test(v) && isRealWallClock(v) ? undefined : 'must be an ISO date YYYY-MM-DD';
    case 'datetime':
      return typeof v === 'string' && DATETIME.test(v) && isRealWallClock(v)
        ? undefined
        : 'must be an ISO date-time YYYY-MM-DDTHH:MM[:SS[.fffffff]][Z|±HH:MM]';
  }
}

function checkTypes(obj: Record<string, unknown>, types: Partial<Record<string, FieldType>> | undefined, path: string): FieldIssue[] {
  return Object.entries(types ?? {}).flatMap(([f, type]) => {
    const problem = f in obj ? typeProblem(obj[f], type!) : undefined;
    return problem ? [{ path: `${path}.${f}`, message: `${problem} (got ${JSON.stringify(obj[f])})` }] : [];
  });
}

/**
 * Whether the entity's config can carry `action` out honestly: an UPDATE that finds the document
 * must be able to change it, a DELETE must have a statement. Refused on arrival, naming the key.
 */
function actionIssues(
  { action, payload }: { action: QueueAction; payload: Record<string, unknown> },
  config: EntityConfig,
  path: string,
): FieldIssue[] {
  const q = config.queries;
  const m = config.field_mapping;
  const why =
    action === 'DELETE'
      ? 'delete documents in the ERP'
      : action === 'CREATE'
        ? 'create documents in the ERP'
        : `apply ${action} to a document that already exists in the ERP`;
  const absent = missingStatements(config, action);
  const issues = absent.length
    ? [{ path, message: `${config.entity_type} cannot ${why}: the config has no ${absent.map((k) => `queries.${k}`).join(', ')}` }]
    : [];
  if (action === 'DELETE' || action === 'CREATE') return issues;
  if (m.items && Array.isArray(payload[m.items.from]) && q.update_items !== 'replace') {
    issues.push({
      path,
      message: `${config.entity_type} cannot update document lines: set queries.update_items to "replace" (with delete_items and insert_item)`,
    });
  }
  return issues;
}

/**
 * Checks a Hub payload against the entity's config on arrival: the action must be one the config
 * can carry out; when `field_mapping.hub_to_erp` names the fields, a top-level key it does not know
 * is a typo or a field the ERP would silently drop; declared `types` (and `items.types` for each
 * line) must hold. `items` (document lines) is always allowed. Without a mapping, any object passes.
 */
export function checkOutboundPayload(
  body: { action: QueueAction; payload: Record<string, unknown> },
  config: EntityConfig,
  paths: { payload: string; action: string } = { payload: 'payload', action: 'action' },
): FieldIssue[] {
  const { payload } = body;
  const path = paths.payload;
  const m = config.field_mapping;
  const issues = actionIssues(body, config, paths.action);
  issues.push(...checkTypes(payload, m.types, path));
  const lines = m.items ? payload[m.items.from] : undefined;
  if (m.items && lines !== undefined && lines !== null) {
    if (!Array.isArray(lines)) issues.push({ path: `${path}.${m.items.from}`, message: 'must be an array of lines' });
    else {
      lines.forEach((line, n) => {
        const at = `${path}.${m.items!.from}.${n}`;
        if (typeof line !== 'object' || line === null || Array.isArray(line)) issues.push({ path: at, message: 'must be an object' });
        else issues.push(...checkTypes(line as Record<string, unknown>, m.items!.types, at));
      });
    }
  }
  const mapping = m.hub_to_erp;
  if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping)) return issues;
  const known = new Set([...Object.keys(mapping), 'items', ...(m.items ? [m.items.from] : [])]);
  if (Object.keys(mapping).length === 0) return issues;
  return [
    ...issues,
    ...Object.keys(payload)
      .filter((k) => !known.has(k))
      .map((k) => ({ path: `${path}.${k}`, message: `not a field of ${config.entity_type} (known: ${[...known].sort().join(', ')})` })),
  ];
}
