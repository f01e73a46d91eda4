/**
 * What the Hub receives from (inbound) or must send to (outbound) one entity, derived from its
 * config: the mapped field names, and a type where a transform rule fixes one. Schema discovery
 * for Hub developers (GET /api/v1/sync/schema/:entity); the config stays the only source.
 */
import { fieldMappingSchema, transformRulesSchema, type TransformRule } from './entity-config-schema.ts';

export type HubFieldType = 'string' | 'decimal' | 'integer' | 'boolean' | 'date' | 'date-time' | 'array' | 'unknown';

export interface HubField {
  name: string;
  type: HubFieldType;
  /** Lines of a header + lines document (outbound `items`). */
  fields?: HubField[];
}

/** The type a rule leaves in its field; undefined for rules that keep whatever was there. */
function typeOf(rule: TransformRule): HubFieldType | undefined {
  switch (rule.rule) {
    case 'number':
    case 'round':
      return 'decimal';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'date':
      return rule.date_only ? 'date' : 'date-time';
    case 'trim':
    case 'upper':
    case 'lower':
    case 'regex_replace':
    case 'concat':
    case 'substring':
      return 'string';
    default:
      return undefined;
  }
}

function typed(names: string[], rules: TransformRule[]): HubField[] {
  return names.map((name) => {
    let type: HubFieldType = 'unknown';
    for (const r of rules) if (r.field === name) type = typeOf(r) ?? type;
    return { name, type };
  });
}

/** Fields of one config, as the Hub sees them: `receives` for IN/BOTH, `sends` for OUT/BOTH. */
export function hubFieldsOf(config: { direction: string; field_mapping: unknown; transform_rules: unknown }): {
  receives: HubField[] | null;
  sends: HubField[] | null;
} {
  const mapping = fieldMappingSchema.catch({}).parse(config.field_mapping);
  const rules = transformRulesSchema.catch([]).parse(config.transform_rules);
  const inbound = config.direction === 'IN' || config.direction === 'BOTH';
  const outbound = config.direction === 'OUT' || config.direction === 'BOTH';
  const sends = outbound ? typed(Object.keys(mapping.hub_to_erp ?? {}), rules) : null;
  if (sends && mapping.items)
    sends.push({ name: mapping.items.from, type: 'array', fields: typed(Object.keys(mapping.items.mapping), rules) });
  return { receives: inbound ? typed(Object.values(mapping.erp_to_hub ?? {}), rules) : null, sends };
}
