/**
 * The shape of `sync_entity_config` (SPEC §2), validated on every write (admin API, tests of the
 * seeds). These schemas are the only description of the config: types below are inferred.
 */
import { z } from 'zod';
import { cronProblem } from './cron.ts';
import { isTimeZone } from './timezone.ts';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an identifier (letters, digits, _)');
const sqlText = z.string().trim().min(1).max(100_000);
const SQL_SERVER_TYPE =
  /^(BIT|TINYINT|SMALLINT|INT|BIGINT|MONEY|SMALLMONEY|FLOAT|REAL|DATE|TIME|DATETIME|SMALLDATETIME|UNIQUEIDENTIFIER|N?TEXT|(DECIMAL|NUMERIC)\(\s*\d{1,2}\s*(,\s*\d{1,2}\s*)?\)|(DATETIME2|DATETIMEOFFSET|TIME)(\(\s*[0-7]\s*\))?|N?(VAR)?CHAR\(\s*(\d{1,4}|MAX)\s*\)|VARBINARY\(\s*(\d{1,4}|MAX)\s*\))$/i;

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
    pre_process: phase,
    post_process: phase,
    /** Seed 001 download tables: what to read on our side (a SELECT, or the `parametros_maestros.tipo_campo=x` shorthand). */
    process: z.object({ query: sqlText }).strict(),
    cursor: z.object({ field: identifier, pk: identifier, lookback_seconds: z.number().int().min(0).max(31 * 86_400).default(0) }).strict(),
    schema: z
      .object({
        columns: z
          .array(z.object({ name: identifier, type: z.string().regex(SQL_SERVER_TYPE, 'not a SQL Server column type'), nullable: z.boolean().default(true) }).strict())
          .min(1)
          .max(1024),
      })
      .strict(),
  })
  .partial()
  .strict();

const columnMap = z.record(z.string().min(1).max(128), z.string().min(1).max(128));

export const fieldMappingSchema = z
  .object({
    erp_to_hub: columnMap,
    hub_to_erp: columnMap,
    /** Document lines (purchase-order items): `payload[from]` is an array, each element mapped with `mapping`. */
    items: z.object({ from: z.string().min(1).max(128), mapping: columnMap }).strict(),
  })
  .partial()
  .strict();

const field = z.string().min(1).max(128);
// Any JSON value (the body was JSON already); z.unknown keeps the OpenAPI document free of recursive refs.
const json = z.unknown();

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
  z.object({ rule: z.literal('boolean'), field, true_values: z.array(z.string()).max(20).optional() }).strict(),
  z.object({ rule: z.literal('date'), field, timezone: z.string().refine(isTimeZone, 'not an IANA time zone').optional(), date_only: z.boolean().optional() }).strict(),
  z.object({ rule: z.literal('map'), field, values: z.record(z.string(), json), default: json.optional() }).strict(),
  z.object({
    rule: z.literal('regex_replace'), field,
    pattern: z.string().min(1).max(200).refine((p) => { try { new RegExp(p); return true; } catch { return false; } }, 'not a valid regular expression'),
    replacement: z.string().max(1000),
    flags: z.string().regex(/^[gimsu]*$/, 'flags among g, i, m, s, u').optional(),
  }).strict(),
  z.object({ rule: z.literal('concat'), field, fields: z.array(field).min(1).max(20), separator: z.string().max(20).optional() }).strict(),
  z.object({ rule: z.literal('substring'), field, start: z.number().int().min(0), length: z.number().int().min(0).optional() }).strict(),
]);

export const transformRulesSchema = z.array(transformRuleSchema).max(200);

export const entityConfigInputSchema = z
  .object({
    entity_type: z.string().regex(/^[A-Z][A-Z0-9_]{0,62}$/, 'upper-case identifier like PROVEEDOR'),
    erp_type: z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/, 'upper-case name like AXIOMA or SOFTLAND'),
    source_table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'table name, optionally schema.table').nullish(),
    primary_key: identifier.nullish(),
    timestamp_field: identifier.nullish(),
    queries: queriesSchema.default({}),
    field_mapping: fieldMappingSchema.default({}),
    transform_rules: transformRulesSchema.default([]),
    direction: z.enum(['IN', 'OUT', 'BOTH']),
    enabled: z.boolean().default(true),
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
