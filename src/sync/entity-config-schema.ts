/**
 * The shape of `sync_entity_config` (SPEC §2), validated on every write (admin API, tests of the
 * seeds). These schemas are the only description of the config: the types below are inferred.
 * Every error carries the JSON path of what is wrong (`queries.select_everything`,
 * `transform_rules.2.rule`), because operators edit these documents by hand.
 */
import { z } from 'zod';
import { cronProblem } from './cron.ts';
import { isTimeZone } from '../core/timezone.ts';

/** A SQL Server identifier without brackets: it ends up as a column or `@parameter` name. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const identifier = z.string().max(128).regex(IDENTIFIER, 'must be an identifier (letters, digits, _; not starting with a digit)');
const sqlText = z.string().trim().min(1).max(100_000);

/**
 * Allow-list of SQL Server column types for `schema.columns` (they are spliced into
 * `CREATE TABLE #temp_…`, so nothing else may pass): exact names, optional length/precision.
 */
const SQL_SERVER_TYPE = new RegExp(
  `^(?:${[
    'BIT', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'MONEY', 'SMALLMONEY', 'REAL', 'DATE', 'DATETIME', 'SMALLDATETIME',
    'UNIQUEIDENTIFIER', 'XML', 'SYSNAME', 'N?TEXT', 'IMAGE',
    '(?:DECIMAL|NUMERIC)(?:\\(\\s*(?<p>\\d{1,2})\\s*(?:,\\s*(?<s>\\d{1,2})\\s*)?\\))?',
    'FLOAT(?:\\(\\s*\\d{1,2}\\s*\\))?',
    '(?:TIME|DATETIME2|DATETIMEOFFSET)(?:\\(\\s*[0-7]\\s*\\))?',
    'N?(?:VAR)?CHAR(?:\\(\\s*(?:\\d{1,4}|MAX)\\s*\\))?',
    '(?:VAR)?BINARY(?:\\(\\s*(?:\\d{1,4}|MAX)\\s*\\))?',
  ].join('|')})$`,
  'i',
);

/** Why `type` is not an accepted SQL Server column type, or undefined. */
function sqlTypeProblem(type: string): string | undefined {
  const m = SQL_SERVER_TYPE.exec(type.trim());
  if (!m) return 'not a SQL Server column type (e.g. VARCHAR(20), INT, DECIMAL(18,2), BIT, DATETIME2, NVARCHAR(MAX))';
  const p = Number(m.groups?.p ?? 18);
  const s = Number(m.groups?.s ?? 0);
  if (m.groups?.p !== undefined && (p < 1 || p > 38 || s > p)) return 'DECIMAL/NUMERIC precision is 1–38 and scale at most the precision';
  return undefined;
}

const phase = z.object({ sql: sqlText, run_on: z.enum(['erp', 'hub']) }).strict();

export const queriesSchema = z
  .object({
    select_all: sqlText,
    select_since: sqlText,
    find_existing: sqlText,
    insert: sqlText,
    insert_item: sqlText,
    update: sqlText,
    merge: sqlText,
    /** Seed 001's phases: `run_on` is its `ejecutarEn` (erp = the SQL Server, hub = our PostgreSQL). A phase that is absent is disabled. */
    pre_process: phase,
    post_process: phase,
    /** Seed 001 download tables: what to read on our side (a SELECT, or the `parametros_maestros.tipo_campo=x` shorthand). */
    process: z.object({ query: sqlText }).strict(),
    cursor: z
      .object({ field: identifier, pk: identifier, lookback_seconds: z.number().int().min(0).max(31 * 86_400).default(0) })
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
        table: z.string().max(257).regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'table name, optionally schema.table'),
        key: z.array(identifier).min(1).max(16).optional(),
        deactivate_missing: z.object({ column: identifier, value: z.union([z.number().int(), z.boolean(), z.string().max(200)]) }).strict().optional(),
      })
      .strict(),
    schema: z
      .object({
        columns: z
          .array(
            z.object({
              name: identifier,
              type: z.string().max(40).superRefine((v, ctx) => {
                const problem = sqlTypeProblem(v);
                if (problem) ctx.addIssue({ code: 'custom', message: problem });
              }),
              nullable: z.boolean().default(true),
            }).strict(),
          )
          .min(1)
          .max(1024),
      })
      .strict(),
  })
  .partial()
  .strict()
  .superRefine((q, ctx) => {
    // Mistakes the engine would only find at run time, on the customer's ERP.
    if (q.select_since && !/@lastSync\b/i.test(q.select_since)) {
      ctx.addIssue({ code: 'custom', path: ['select_since'], message: 'must use the @lastSync parameter (the cursor value)' });
    }
    const columns = q.schema?.columns.map((c) => c.name);
    if (q.merge_strategy && !columns) ctx.addIssue({ code: 'custom', path: ['merge_strategy'], message: 'needs schema.columns (the downloaded columns)' });
    for (const [i, k] of (q.merge_strategy?.key ?? []).entries()) {
      if (columns && !columns.includes(k)) ctx.addIssue({ code: 'custom', path: ['merge_strategy', 'key', i], message: 'must be one of schema.columns' });
    }
    if (q.insert_item && !q.insert) ctx.addIssue({ code: 'custom', path: ['insert_item'], message: 'needs an insert statement for the header' });
    if (q.insert_item && !/@header_id\b/i.test(q.insert_item)) {
      ctx.addIssue({ code: 'custom', path: ['insert_item'], message: "must use the @header_id parameter (the header's ERP id)" });
    }
  });

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
    items: z.object({ from: hubField, mapping: hubToErp }).strict(),
  })
  .partial()
  .strict();

const field = z.string().min(1).max(128);
// Any JSON value (the body was JSON already); z.unknown keeps the OpenAPI document free of recursive refs.
const json = z.unknown();

/** Nested quantifiers like `(a+)+` backtrack exponentially on a hostile value (ReDoS). */
// A group holding an open-ended quantifier (+, *, {n,}) that is itself repeated; character
// classes and escapes are skipped so `([+-]\d)+` and `(\d{3})+` pass.
const NESTED_QUANTIFIER = /\((?:\[(?:[^\]\\]|\\.)*\]|\\.|[^()\\[])*?(?:[+*]|\{\d+,\d*\})(?:\[(?:[^\]\\]|\\.)*\]|\\.|[^()\\])*\)(?:[+*]|\{\d+,\d*\})/;

const regexReplace = z
  .object({
    rule: z.literal('regex_replace'),
    field,
    pattern: z.string().min(1).max(200).refine((p) => !NESTED_QUANTIFIER.test(p), 'nested quantifiers (catastrophic backtracking)'),
    replacement: z.string().max(1000),
    flags: z.string().regex(/^[gimsu]*$/, 'flags among g, i, m, s, u').refine((f) => new Set(f).size === f.length, 'a flag is repeated').optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    // Compiled here so a pattern that would throw on every record is refused at write time.
    try {
      new RegExp(r.pattern, r.flags ?? 'g');
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${(e as Error).message}` });
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
  z.object({
    rule: z.literal('date'), field,
    timezone: z.string().refine(isTimeZone, 'not an IANA time zone').optional(),
    date_only: z.boolean().optional(),
  }).strict(),
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
    source_table: z.string().max(257).regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'table name, optionally schema.table').nullish(),
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

export type Queries = z.infer<typeof queriesSchema>;
export type FieldMapping = z.infer<typeof fieldMappingSchema>;
export type TransformRule = z.infer<typeof transformRuleSchema>;
export type EntityConfigInput = z.infer<typeof entityConfigInputSchema>;
