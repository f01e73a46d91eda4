/**
 * MERGE's equivalent for engines without it (Babelfish; SQL Server at old compatibility levels):
 * UPDATE … FROM … JOIN for the rows that exist, INSERT … SELECT … WHERE NOT EXISTS for the new ones,
 * and optionally UPDATE … WHERE NOT EXISTS to deactivate the rows the download no longer carries
 * (MERGE's WHEN NOT MATCHED BY SOURCE). Run in that order inside the download's ERP transaction,
 * so another session never sees half of it. Names are validated identifiers (schema.columns and the
 * config's merge_strategy), never user data; the deactivation value is a bound parameter.
 */
import { isSqlIdentifier, isSqlTableName } from '../core/sql-identifier.ts';
import { PermanentErpError } from './erp-errors.ts';
import type { ErpParams } from './erp-params.ts';

export interface UpdateInsertStrategy {
  /** The ERP table written to (optionally schema.table). */
  table: string;
  /** Columns that identify a row (the MERGE's ON clause). */
  key: string[];
  /** Rows of `table` absent from the download get `column = value`. */
  deactivateMissing?: { column: string; value: number | boolean | string };
}

/** The statements, in order, with `temp` as the loaded source table. */
export function updateInsertStatements(
  s: UpdateInsertStrategy,
  columns: string[],
  temp: string,
): { name: string; sql: string; params?: ErpParams }[] {
  if (s.key.length === 0)
    throw new PermanentErpError("merge_strategy needs key columns (or the config's primary_key)", { statement: 'merge' });
  if (!isSqlTableName(s.table)) throw new PermanentErpError(`invalid table name '${s.table}'`, { statement: 'merge' });
  for (const c of [...s.key, ...columns, ...(s.deactivateMissing ? [s.deactivateMissing.column] : [])]) {
    if (!isSqlIdentifier(c)) throw new PermanentErpError(`invalid column name '${c}'`, { statement: 'merge' });
  }
  const missing = s.key.filter((k) => !columns.includes(k));
  if (missing.length) throw new PermanentErpError(`key column(s) ${missing.join(', ')} not in schema.columns`, { statement: 'merge' });
  const on = (a: string, b: string) => s.key.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');
  const rest = columns.filter((c) => !s.key.includes(c));
  const out: { name: string; sql: string; params?: ErpParams }[] = [];
  if (rest.length) {
    out.push({
      name: 'merge_update',
      sql: `UPDATE t SET ${rest.map((c) => `t.${c} = s.${c}`).join(', ')} FROM ${s.table} AS t INNER JOIN ${temp} AS s ON ${on('t', 's')}`,
    });
  }
  out.push({
    name: 'merge_insert',
    sql: `INSERT INTO ${s.table} (${columns.join(', ')}) SELECT ${columns.map((c) => `s.${c}`).join(', ')} FROM ${temp} AS s WHERE NOT EXISTS (SELECT 1 FROM ${s.table} AS t WHERE ${on('t', 's')})`,
  });
  if (s.deactivateMissing) {
    const v = s.deactivateMissing.value;
    out.push({
      name: 'merge_deactivate',
      sql: `UPDATE t SET t.${s.deactivateMissing.column} = @deactivated FROM ${s.table} AS t WHERE NOT EXISTS (SELECT 1 FROM ${temp} AS s WHERE ${on('s', 't')})`,
      params: { deactivated: typeof v === 'boolean' ? (v ? 1 : 0) : v },
    });
  }
  return out;
}
