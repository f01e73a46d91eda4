/**
 * A `sync_entity_config` row read once into a typed object (from the zod schemas of
 * entity-config-schema.ts, no casts), and the rules every caller shares: which column is the ERP
 * primary key, which configs flow in or are download tables, the MERGE a download runs, the
 * statements an outbound action needs. The queries of the table are in src/db/entity-configs.ts.
 */
import { z } from 'zod';
import { DIRECTIONS_OF } from '../db/entity-configs.ts';
import type { EntityConfigRow, QueueAction } from '../db/schema.ts';
import {
  fieldMappingSchema,
  phaseSchema,
  queriesShape,
  transformRulesSchema,
  type EntityConfigInput,
  type FieldMapping,
  type Phase,
  type TransformRule,
} from './entity-config-schema.ts';

/**
 * A stored row's `queries`: each field as the write schema has it, except the two phases and
 * `process`, read as stored. Those are validated again where they run (etl-phases.ts,
 * download.ts), so a row planted with psql fails that run with its own message, not every read.
 */
const storedQueriesSchema = z
  .object({ ...queriesShape, pre_process: z.unknown(), post_process: z.unknown(), process: z.object({ query: z.unknown() }).partial() })
  .partial();

export type StoredQueries = z.infer<typeof storedQueriesSchema>;

/** A config row with its JSON columns typed. */
export interface EntityConfig extends Omit<EntityConfigRow, 'queries' | 'field_mapping' | 'transform_rules'> {
  queries: StoredQueries;
  field_mapping: FieldMapping;
  transform_rules: TransformRule[];
}

/** A stored config the schema cannot read (written with psql, bypassing the API's checks). */
export class StoredConfigError extends Error {
  override readonly name = 'StoredConfigError';
}

const storedConfigSchema = z.object({
  queries: storedQueriesSchema.nullish().transform((q) => q ?? {}),
  field_mapping: fieldMappingSchema.nullish().transform((m) => m ?? {}),
  transform_rules: transformRulesSchema.nullish().transform((r) => r ?? []),
});

/** Reads a row's JSON columns with the config schemas; a StoredConfigError names the first bad path. */
export function parseEntityConfig(row: EntityConfigRow): EntityConfig {
  const parsed = storedConfigSchema.safeParse(row);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StoredConfigError(`configuration ${row.id} (${row.entity_type}): ${issue.path.join('.')}: ${issue.message}`);
  }
  return { ...row, ...parsed.data };
}

/** parseEntityConfig for callers that skip an unreadable row (and say so) rather than fail. */
export function tryParseEntityConfig(row: EntityConfigRow): EntityConfig | StoredConfigError {
  try {
    return parseEntityConfig(row);
  } catch (err) {
    if (err instanceof StoredConfigError) return err;
    throw err;
  }
}

/** The rows the schema can read; an unreadable one (planted with psql) is left out of a list rather than failing it. */
export const readableConfigs = (rows: EntityConfigRow[]): EntityConfig[] =>
  rows.map(tryParseEntityConfig).filter((c): c is EntityConfig => !(c instanceof StoredConfigError));

/** The ERP column that identifies a record: `primary_key`, else the cursor's key column. */
export const primaryKeyColumn = (c: EntityConfig): string | undefined => c.primary_key ?? c.queries.cursor?.pk ?? undefined;

/** Whether the config flows `flow`-wards (BOTH counts for either): the JS side of DIRECTIONS_OF. */
export const flows = (c: Pick<EntityConfigRow, 'direction'>, flow: 'IN' | 'OUT'): boolean => DIRECTIONS_OF[flow].includes(c.direction);

/** Download tables are outbound configs that describe a table (`queries.schema`). */
export const isDownloadTable = (c: EntityConfig): boolean => flows(c, 'OUT') && Boolean(c.queries.schema);

/** The side a phase names (`run_on`), read without validating the rest (a refused phase is still logged against its side). */
export function phaseSide(c: Pick<EntityConfig, 'queries'>, which: 'pre_process' | 'post_process'): 'erp' | 'hub' | undefined {
  const side = z.object({ run_on: z.enum(['erp', 'hub']) }).safeParse(c.queries[which]);
  return side.success ? side.data.run_on : undefined;
}

/** A phase the configuration schema refuses (free SQL with run_on "hub", an unknown operation): nothing ran. */
export class PhaseRefusedError extends Error {
  override readonly name = 'PhaseRefusedError';
  readonly code = 'PHASE_REFUSED';
}

/** The validated phase, undefined when absent; a PhaseRefusedError names what the schema refuses. */
export function configPhase(c: Pick<EntityConfig, 'queries'>, which: 'pre_process' | 'post_process'): Phase | undefined {
  const raw = c.queries[which];
  if (raw === undefined || raw === null) return undefined;
  const parsed = phaseSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new PhaseRefusedError(`queries.${which}${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`);
}

/** The phase if the schema accepts it, else undefined (what is offered to the agent). */
export function acceptedPhase(c: Pick<EntityConfig, 'queries'>, which: 'pre_process' | 'post_process'): Phase | undefined {
  const parsed = phaseSchema.safeParse(c.queries[which]);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The MERGE a download table runs after the bulk load: an ERP post_process that names
 * `{temp_table}`, else `queries.merge`; none with a `merge_strategy` (update_insert instead).
 */
export function downloadMergeSql(c: EntityConfig): string | undefined {
  if (c.queries.merge_strategy) return undefined;
  const post = acceptedPhase(c, 'post_process');
  return post?.run_on === 'erp' && post.sql.includes('{temp_table}') ? post.sql : c.queries.merge;
}

/** A `merge_strategy: update_insert` target, keyed by its `key` or else the config's primary_key columns. */
export function updateInsertTarget(c: EntityConfig) {
  const s = c.queries.merge_strategy;
  if (!s) return undefined;
  const key =
    s.key ??
    (c.primary_key ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
  return { table: s.table, key, deactivateMissing: s.deactivate_missing };
}

type Statement = 'insert' | 'find_existing' | 'update' | 'delete';

/** The statements `queries` must hold for the ERP to carry out `action` on a Hub document. */
function statementsFor(action: QueueAction): Statement[] {
  if (action === 'DELETE') return ['delete'];
  if (action === 'CREATE') return ['insert'];
  return ['insert', 'find_existing', 'update'];
}

export const missingStatements = (c: EntityConfig, action: QueueAction): Statement[] => statementsFor(action).filter((k) => !c.queries[k]);

/** The columns a validated input is stored as (JSON documents as text, absent optionals as NULL). */
export function configColumns(c: EntityConfigInput) {
  return {
    ...c,
    source_table: c.source_table ?? null,
    primary_key: c.primary_key ?? null,
    timestamp_field: c.timestamp_field ?? null,
    sync_frequency: c.sync_frequency ?? null,
    queries: JSON.stringify(c.queries),
    field_mapping: JSON.stringify(c.field_mapping),
    transform_rules: JSON.stringify(c.transform_rules),
  };
}
