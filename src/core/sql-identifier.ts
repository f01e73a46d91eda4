/**
 * The one rule for a SQL identifier we splice into SQL text (a column, table or `@parameter` name,
 * always without brackets): letters, digits and _, not starting with a digit, at most 128
 * characters (SQL Server's sysname). Config validation, bulk load and the ERP writers all use it.
 */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A table name, optionally `schema.table`. */
export const SQL_TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** SQL Server's limit on one identifier (sysname = nvarchar(128)). */
export const SQL_IDENTIFIER_MAX = 128;

export const isSqlIdentifier = (s: string, maxLength = SQL_IDENTIFIER_MAX): boolean => s.length <= maxLength && SQL_IDENTIFIER.test(s);

/** `table` or `schema.table`, each part an identifier. */
export const isSqlTableName = (s: string): boolean => SQL_TABLE_NAME.test(s) && s.split('.').every((part) => isSqlIdentifier(part));
