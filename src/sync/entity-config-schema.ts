/**
 * The shape of `sync_entity_config` (SPEC §2), validated on every write (admin API, tests of the
 * seeds). These schemas are the only description of the config: the types below are inferred.
 * Every error carries the JSON path of what is wrong (`queries.select_everything`,
 * `transform_rules.2.rule`), because operators edit these documents by hand.
 */
import { z } from 'zod';
import { downloadQueryProblem } from './download-query.ts';
import { compileTenantPattern } from './tenant-pattern.ts';
import { cronProblem } from './cron.ts';
import { timeZoneSchema } from '../core/timezone.ts';
import { SQL_IDENTIFIER, SQL_IDENTIFIER_MAX, SQL_TABLE_NAME } from '../core/sql-identifier.ts';
// The one table of column types: what the schema accepts is exactly what bulk load can carry.
import { columnTypeProblem } from '../erp/erp-column-types.ts';

/** A SQL Server identifier without brackets: it ends up as a column or `@parameter` name. */
const identifier = z
  .string()
  .max(SQL_IDENTIFIER_MAX)
  .regex(SQL_IDENTIFIER, 'must be an identifier (letters, digits, _; not starting with a digit)');
const sqlText = z.string().trim().min(1).max(100_000);

/**
 * What a phase may do on our side (`run_on: "hub"`, seed 001's "destino" of an upload/pull): a
 * closed list of named operations with parameters, carried out by our code with the tenant and
 * entity as bound parameters (etl-phases.ts). Free SQL never runs on our PostgreSQL.
 */
export const hubOperationSchema = z.discriminatedUnion('op', [
  /** Emit an `inbound.available` webhook for this entity (even when nothing changed), so the Hub re-reads it. */
  z.object({ op: z.literal('notify_inbound_available') }).strict(),
  /** Delete this entity's records marked DELETED more than `older_than_days` ago (nothing still queued for them). */
  z.object({ op: z.literal('purge_deleted'), older_than_days: z.number().int().min(1).max(3650) }).strict(),
  /** Delete this entity's sync_log lines older than `older_than_days`. */
  z.object({ op: z.literal('purge_logs'), older_than_days: z.number().int().min(1).max(3650) }).strict(),
]);
export const HUB_OPERATIONS = hubOperationSchema.options.map((o) => o.shape.op.value);

const HUB_SQL_REFUSED = `free SQL does not run on our database (run_on "hub"); use "operations": [{ "op": ${HUB_OPERATIONS.map((o) => `"${o}"`).join(' | ')}, … }] (docs/security.md), or run_on "erp" to run this SQL on your SQL Server`;

/**
 * A phase: `run_on: "erp"` runs `sql` on the customer's SQL Server with the customer's login;
 * `run_on: "hub"` runs `operations`. Validated again at run time (a row planted with psql is refused there).
 */
export const phaseSchema = z
  .object({ run_on: z.enum(['erp', 'hub']), sql: sqlText.optional(), operations: z.array(hubOperationSchema).min(1).max(20).optional() })
  .strict()
  .superRefine((p, ctx) => {
    if (p.run_on === 'hub' && p.sql !== undefined) ctx.addIssue({ code: 'custom', path: ['sql'], message: HUB_SQL_REFUSED });
    else if (p.run_on === 'hub' && !p.operations)
      ctx.addIssue({ code: 'custom', path: ['operations'], message: `required with run_on "hub": a list of ${HUB_OPERATIONS.join(', ')}` });
    if (p.run_on === 'erp' && p.sql === undefined)
      ctx.addIssue({ code: 'custom', path: ['sql'], message: 'required with run_on "erp" (the SQL run on your SQL Server)' });
    if (p.run_on === 'erp' && p.operations)
      ctx.addIssue({ code: 'custom', path: ['operations'], message: 'only with run_on "hub"; on the ERP write sql' });
  })
  // What the checks above guarantee, as a type: an ERP phase has its SQL, a hub phase its operations.
  .transform(
    (p) =>
      p as
        | { run_on: 'erp'; sql: string; operations?: undefined }
        | { run_on: 'hub'; sql?: undefined; operations: z.infer<typeof hubOperationSchema>[] },
  );

/** The cursor parameter: `@lastSync`, or seed 001's `@ultimaSync`. */
export const CURSOR_PARAM = /@(lastSync|ultimaSync)\b/i;
const CURSOR_SQL_TYPES = ['datetime', 'datetime2', 'date', 'datetimeoffset', 'int', 'bigint'] as const;

/** Each field of `queries` (the stored-row reader of entity-config.ts reuses them); the checks across fields follow. */
export const queriesShape = {
  select_all: sqlText,
  select_since: sqlText,
  find_existing: sqlText,
  insert: sqlText,
  insert_item: sqlText,
  /** Header UPDATE of a document find_existing found; binds the mapped fields and @header_id (the ERP id). */
  update: sqlText,
  /** How the lines of an updated document are written: `replace` = delete_items then insert_item per line, in the same ERP transaction. */
  update_items: z.enum(['replace']),
  /** Deletes a document's lines (@header_id) before the header `delete` or a `replace` of the lines. */
  delete_items: sqlText,
  /** Hub DELETE: binds the mapped fields and @header_id (null when find_existing found nothing or is absent). */
  delete: sqlText,
  merge: sqlText,
  /** Seed 001's phases: `run_on` is its `ejecutarEn` (erp = the SQL Server, hub = our PostgreSQL). A phase that is absent is disabled. */
  pre_process: phaseSchema,
  post_process: phaseSchema,
  /** Seed 001 download tables: what to read on our side — parsed, never run as SQL (download-query.ts). */
  process: z
    .object({
      query: z.union([sqlText, z.record(z.string(), z.unknown())]).superRefine((v, ctx) => {
        const problem = downloadQueryProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    })
    .strict(),
  cursor: z
    .object({
      field: identifier,
      pk: identifier,
      lookback_seconds: z
        .number()
        .int()
        .min(0)
        .max(31 * 86_400)
        .default(0),
      /** SQL type of the cursor column, which `@lastSync` is bound with; absent = taken from the first run's result metadata. */
      sql_type: z.enum(CURSOR_SQL_TYPES).optional(),
      /** Cron of the full key-set comparison that finds deletes (an incremental read never sees them); default nightly. */
      reconcile_frequency: z
        .string()
        .max(100)
        .superRefine((v, ctx) => {
          const problem = cronProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
    })
    .strict(),
  /**
   * Download tables on an ERP without MERGE (Babelfish, old compatibility levels): instead of the
   * post_process MERGE, UPDATE … FROM … JOIN + INSERT … SELECT WHERE NOT EXISTS into `table` by
   * `key` (default: the config's primary_key), and optionally `deactivate_missing` (MERGE's WHEN
   * NOT MATCHED BY SOURCE THEN UPDATE SET column = value), in the download's ERP transaction.
   */
  merge_strategy: z
    .object({
      mode: z.literal('update_insert'),
      table: z.string().max(257).regex(SQL_TABLE_NAME, 'table name, optionally schema.table'),
      key: z.array(identifier).min(1).max(16).optional(),
      deactivate_missing: z
        .object({ column: identifier, value: z.union([z.number().int(), z.boolean(), z.string().max(200)]) })
        .strict()
        .optional(),
    })
    .strict(),
  /** Mass-delete guard: a snapshot that would delete more than this share of the live records deletes nothing (default 0.5). */
  max_delete_share: z.number().min(0).max(1),
  schema: z
    .object({
      columns: z
        .array(
          z
            .object({
              name: identifier,
              type: z
                .string()
                .max(40)
                .superRefine((v, ctx) => {
                  const problem = columnTypeProblem(v);
                  if (problem) ctx.addIssue({ code: 'custom', message: problem });
                }),
              nullable: z.boolean().default(true),
            })
            .strict(),
        )
        .min(1)
        .max(1024),
    })
    .strict(),
};
export const queriesSchema = z
  .object(queriesShape)
  .partial()
  .strict()
  .superRefine((q, ctx) => {
    // Mistakes the engine would only find at run time, on the customer's ERP.
    if (q.select_since && !CURSOR_PARAM.test(q.select_since)) {
      ctx.addIssue({
        code: 'custom',
        path: ['select_since'],
        message: 'must use the @lastSync (or seed 001 @ultimaSync) parameter (the cursor value)',
      });
    }
    const columns = q.schema?.columns.map((c) => c.name);
    if (q.merge_strategy && !columns)
      ctx.addIssue({ code: 'custom', path: ['merge_strategy'], message: 'needs schema.columns (the downloaded columns)' });
    for (const [i, k] of (q.merge_strategy?.key ?? []).entries()) {
      if (columns && !columns.includes(k))
        ctx.addIssue({ code: 'custom', path: ['merge_strategy', 'key', i], message: 'must be one of schema.columns' });
    }
    if (q.insert_item && !q.insert)
      ctx.addIssue({ code: 'custom', path: ['insert_item'], message: 'needs an insert statement for the header' });
    if (q.insert_item && !/@header_id\b/i.test(q.insert_item)) {
      ctx.addIssue({ code: 'custom', path: ['insert_item'], message: "must use the @header_id parameter (the header's ERP id)" });
    }
    // Without find_existing, an UPDATE cannot tell which ERP document it changes.
    if (q.update && !q.find_existing)
      ctx.addIssue({ code: 'custom', path: ['update'], message: 'needs find_existing (to find the document to update)' });
    if (q.update_items && !q.update)
      ctx.addIssue({ code: 'custom', path: ['update_items'], message: 'needs an update statement for the header' });
    if (q.update_items === 'replace' && !(q.delete_items && q.insert_item)) {
      ctx.addIssue({ code: 'custom', path: ['update_items'], message: "'replace' needs delete_items and insert_item" });
    }
    if (q.delete_items && !/@header_id\b/i.test(q.delete_items)) {
      ctx.addIssue({ code: 'custom', path: ['delete_items'], message: "must use the @header_id parameter (the header's ERP id)" });
    }
  });

/**
 * Declared type of a Hub field (outbound): payloads are checked against it on arrival, and dates
 * are bound to the ERP as date/datetime2 parameters, never as strings a Spanish login would misread.
 * `decimal` is a string like "1500.00" (never a JSON number: it would pass through a double).
 */
export const FIELD_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
const fieldTypes = z.record(z.string().min(1).max(128), z.enum(FIELD_TYPES));

const hubField = z.string().min(1).max(128);
/** ERP column (any name a result set can carry) → Hub field. */
const erpToHub = z.record(z.string().min(1).max(128), hubField);
/** Hub field → ERP `@parameter` name: bound by name into the SQL, so it must be an identifier. */
const hubToErp = z.record(hubField, identifier);

/**
 * `erp_to_hub` and `hub_to_erp` rename fields (unmapped ones are dropped). `items` is the
 * sub-mapping of header + lines documents (purchase orders, receipts): each element of the Hub
 * payload's array `from` is mapped with `mapping` into the parameters of `queries.insert_item`.
 */
export const fieldMappingSchema = z
  .object({
    erp_to_hub: erpToHub,
    hub_to_erp: hubToErp,
    /** Hub field → declared type (header fields; `items.types` for line fields). */
    types: fieldTypes,
    items: z.object({ from: hubField, mapping: hubToErp, types: fieldTypes.optional() }).strict(),
  })
  .partial()
  .strict()
  .superRefine((m, ctx) => {
    for (const [where, types, mapping] of [
      ['types', m.types, m.hub_to_erp],
      ['items.types', m.items?.types, m.items?.mapping],
    ] as const) {
      for (const f of Object.keys(types ?? {})) {
        if (!mapping || !(f in mapping))
          ctx.addIssue({ code: 'custom', path: [...where.split('.'), f], message: `'${f}' is not a field of the mapping it types` });
      }
    }
  });

const field = z.string().min(1).max(128);
// Any JSON value (the body was JSON already); z.unknown keeps the OpenAPI document free of recursive refs.
const json = z.unknown();

const regexReplace = z
  .object({
    rule: z.literal('regex_replace'),
    field,
    pattern: z.string().min(1).max(200),
    replacement: z.string().max(1000),
    flags: z
      .string()
      .regex(/^[gimsu]*$/, 'flags among g, i, m, s, u')
      .refine((f) => new Set(f).size === f.length, 'a flag is repeated')
      .optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    // Compiled here (RE2, linear time: no backreferences or lookarounds) so a pattern that would throw on every record is refused at write time.
    try {
      compileTenantPattern(r.pattern, r.flags ?? 'g');
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: `not a valid RE2 regular expression (no backreferences or lookarounds): ${(e as Error).message}`,
      });
    }
  });

export const transformRuleSchema = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('trim'), field }).strict(),
  z.object({ rule: z.literal('upper'), field }).strict(),
  z.object({ rule: z.literal('lower'), field }).strict(),
  z.object({ rule: z.literal('null_if_empty'), field }).strict(),
  z.object({ rule: z.literal('remove'), field }).strict(),
  z.object({ rule: z.literal('default'), field, value: json }).strict(),
  z.object({ rule: z.literal('number'), field, scale: z.number().int().min(0).max(18).optional() }).strict(),
  z.object({ rule: z.literal('integer'), field }).strict(),
  z.object({ rule: z.literal('round'), field, digits: z.number().int().min(0).max(18) }).strict(),
  z.object({ rule: z.literal('boolean'), field, true_values: z.array(z.string().max(20)).min(1).max(20).optional() }).strict(),
  z
    .object({
      rule: z.literal('date'),
      field,
      timezone: timeZoneSchema.optional(),
      date_only: z.boolean().optional(),
    })
    .strict(),
  z.object({ rule: z.literal('map'), field, values: z.record(z.string(), json), default: json.optional() }).strict(),
  regexReplace,
  z.object({ rule: z.literal('concat'), field, fields: z.array(field).min(1).max(20), separator: z.string().max(20).optional() }).strict(),
  z.object({ rule: z.literal('substring'), field, start: z.number().int().min(0), length: z.number().int().min(0).optional() }).strict(),
]);

export const transformRulesSchema = z.array(transformRuleSchema).max(200);

export const entityConfigInputSchema = z
  .object({
    entity_type: z.string().regex(/^[A-Z][A-Z0-9_]{0,62}$/, 'upper-case identifier like PROVEEDOR'),
    erp_type: z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/, 'upper-case name like AXIOMA or SOFTLAND'),
    source_table: z.string().max(257).regex(SQL_TABLE_NAME, 'table name, optionally schema.table').nullish(),
    primary_key: identifier.nullish(),
    timestamp_field: identifier.nullish(),
    queries: queriesSchema.default({}),
    field_mapping: fieldMappingSchema.default({}),
    transform_rules: transformRulesSchema.default([]),
    direction: z.enum(['IN', 'OUT', 'BOTH']),
    enabled: z.boolean().default(true),
    /** 5-field cron (minute hour day month weekday), in the tenant's time zone. */
    sync_frequency: z
      .string()
      .max(100)
      .superRefine((v, ctx) => {
        const problem = cronProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: `not a cron expression: ${problem}` });
      })
      .nullish(),
  })
  .strict();

export interface ConfigWarning {
  path: string;
  message: string;
}

/** OUTPUT INSERTED.x with no INTO before the VALUES/SELECT it returns from. */
const OUTPUT_LIST =
  /\bOUTPUT\s+(?:(?:INSERTED|DELETED)\.(?:\[[^\]]+\]|"[^"]+"|\w+)\s*,\s*)*(?:INSERTED|DELETED)\.(?:\[[^\]]+\]|"[^"]+"|\w+)\s+(\w+)/gi;
const hasBareOutput = (sql: string) => [...sql.matchAll(OUTPUT_LIST)].some((m) => m[1]!.toUpperCase() !== 'INTO');

/**
 * What is valid but breaks on some SQL Server installations: saved, and reported back so the
 * operator can fix it before it fails at a customer.
 */
export function configWarnings(queries: unknown): ConfigWarning[] {
  const q = (queries ?? {}) as Record<string, unknown>;
  return (['insert', 'insert_item', 'update', 'delete', 'delete_items'] as const).flatMap((key) =>
    typeof q[key] === 'string' && hasBareOutput(q[key])
      ? [
          {
            path: `queries.${key}`,
            message:
              'OUTPUT without INTO fails with error 334 when the table has an enabled trigger (common on ERP document tables): ' +
              'use DECLARE @t TABLE (id INT); INSERT … OUTPUT INSERTED.id INTO @t …; SELECT id FROM @t',
          },
        ]
      : [],
  );
}

export type Queries = z.infer<typeof queriesSchema>;
export type Phase = z.infer<typeof phaseSchema>;
export type HubOperation = z.infer<typeof hubOperationSchema>;
export type FieldMapping = z.infer<typeof fieldMappingSchema>;
export type TransformRule = z.infer<typeof transformRuleSchema>;
export type EntityConfigInput = z.infer<typeof entityConfigInputSchema>;
