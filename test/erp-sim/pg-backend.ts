/**
 * ERP SIMULATOR: one PostgreSQL session per TDS connection (so #temp tables and transactions
 * are per connection, as on SQL Server). Statements are rewritten (sql-rewrite.ts), queries
 * stream through a server-side cursor, results are described with SQL Server wire types.
 */
import pg from 'pg';
import { isQuery, parameterTargets, rewriteTsql, tableVariableTable, UnsupportedSqlError } from './sql-rewrite.ts';
import type { Column } from './tds-tokens.ts';
import type { ColumnKind, TypeInfo } from './tds-types.ts';
import { pgTypeOf } from './tds-types.ts';

/** A failure to report to the client as a SQL Server error. */
export class SqlServerError extends Error {
  /** Set when the error also rolled back the open transaction (a deadlock victim, as on SQL Server). */
  transactionRolledBack = false;
  constructor(
    readonly number: number,
    message: string,
    readonly cls = 16,
  ) {
    super(message);
  }
}

/** PostgreSQL SQLSTATE → SQL Server error number, where the meaning is the same. */
const ERROR_NUMBERS: Record<string, number> = {
  '23505': 2627,
  '42601': 102,
  '40P01': 1205,
  '42P01': 208,
  '23503': 547,
  '42501': 229,
  '23502': 515,
  '42703': 207,
  '22P02': 245,
  '22003': 8115,
  '22001': 8152,
};

export function toSqlServerError(err: unknown): SqlServerError {
  if (err instanceof SqlServerError) return err;
  if (err instanceof UnsupportedSqlError) return new SqlServerError(102, err.message, 15);
  const e = err as { code?: string; message?: string };
  const number = (e.code && ERROR_NUMBERS[e.code]) || 50000;
  const prefix =
    number === 2627
      ? 'Violation of PRIMARY KEY/UNIQUE constraint. '
      : number === 547
        ? 'The statement conflicted with a FOREIGN KEY constraint. '
        : number === 8152
          ? 'String or binary data would be truncated. '
          : '';
  return new SqlServerError(number, `${prefix}${e.message ?? String(err)}`);
}

export interface ResultSink {
  columns(cols: Column[]): Promise<void>;
  /** Resolves when the client can take more (back-pressure); false means stop (attention or drop). */
  row(values: (string | null)[]): Promise<boolean>;
}

export interface Param {
  name: string;
  type: TypeInfo;
  value: string | Buffer | null;
}

// DATETIME keeps microseconds: a value written through a datetime parameter is stored at its true
// 1/300 s tick (.007 is .006667), so comparing it with a datetime2 parameter behaves as on SQL
// Server 2016+ (compatibility level 130: full precision), where a row at the cursor can compare as smaller.
const SETUP = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'datetime') THEN CREATE DOMAIN datetime AS timestamp(6); END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'legacy_varchar') THEN CREATE DOMAIN legacy_varchar AS text; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'tsql_bit') THEN CREATE DOMAIN tsql_bit AS smallint CHECK (VALUE IN (0, 1)); END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'tsql_money') THEN CREATE DOMAIN tsql_money AS numeric(19,4); END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'tsql_smallmoney') THEN CREATE DOMAIN tsql_smallmoney AS numeric(10,4); END IF;
EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL; END $$;
SET TIME ZONE 'UTC'; SET lc_monetary = 'C'; SET bytea_output = 'hex';`;

const TEXT = { getTypeParser: () => (v: string) => v };
const FETCH_ROWS = 1000;

export class PgBackend {
  private domainCache = new Map<string, string>();
  inTransaction = false;
  private cursorSeq = 0;
  /** The database named at login (what DB_NAME() answers). */
  database = 'master';
  /** True while a statement's query runs on PostgreSQL (the only time ATTENTION cancels anything). */
  private running = false;
  /** How the current statement spells its identifiers (PostgreSQL folds unquoted names to lower case). */
  private spelling = new Map<string, string>();
  /** Table variables declared on this connection (see sql-rewrite.ts tableVariableTable). */
  private tableVariables = new Set<string>();

  private constructor(
    private readonly client: pg.Client,
    private readonly databaseUrl: string,
    private readonly legacyColumns: Set<string>,
  ) {}

  static async open(databaseUrl: string, legacyVarcharColumns: string[] = []): Promise<PgBackend> {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'erp-simulator' });
    client.on('error', () => {});
    await client.connect();
    await client.query(SETUP);
    return new PgBackend(client, databaseUrl, new Set(legacyVarcharColumns.map((c) => c.toLowerCase())));
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }

  /** ATTENTION: cancels the running query from a second connection (PostgreSQL's own cancel). */
  async cancel(): Promise<void> {
    if (!this.running) return;
    const pid = (this.client as unknown as { processID: number }).processID;
    const side = new pg.Client({ connectionString: this.databaseUrl, application_name: 'erp-simulator-cancel' });
    side.on('error', () => {});
    try {
      await side.connect();
      await side.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      /* the statement ends on its own */
    } finally {
      await side.end().catch(() => {});
    }
  }

  /** RESETCONNECTION: an open transaction is rolled back and #temp tables go, as sp_reset_connection does. */
  async reset(): Promise<void> {
    if (this.inTransaction) await this.rollback();
    await this.client.query('DISCARD TEMP');
    this.tableVariables.clear();
    this.dateFormat = this.loginDateFormat;
  }

  async begin(): Promise<void> {
    if (this.inTransaction) throw new SqlServerError(266, 'a transaction is already open on this connection');
    await this.client.query('BEGIN');
    this.inTransaction = true;
  }
  async commit(): Promise<void> {
    if (!this.inTransaction) throw new SqlServerError(3902, 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.');
    this.inTransaction = false;
    await this.client.query('COMMIT');
  }
  async rollback(): Promise<void> {
    if (!this.inTransaction) throw new SqlServerError(3903, 'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.');
    this.inTransaction = false;
    await this.client.query('ROLLBACK');
  }

  /** Runs one T-SQL statement; rows go to `sink`; returns the row count (undefined for DDL). */
  async execute(tsql: string, params: Param[], sink: ResultSink): Promise<number | undefined> {
    params = await this.applyDateFormat(tsql, params);
    const declared = new Map(params.map((p) => [p.name, pgTypeOf(p.type)]));
    const {
      sql,
      params: order,
      declaresTableVariable,
      bareOutputTarget,
    } = rewriteTsql(tsql, declared, { database: this.database, tableVariables: this.tableVariables });
    if (declaresTableVariable) {
      // A table variable lives for one batch on SQL Server; here the next DECLARE starts it afresh.
      await this.client.query(`DROP TABLE IF EXISTS pg_temp.${tableVariableTable(declaresTableVariable)}`);
      this.tableVariables.add(declaresTableVariable);
    }
    if (bareOutputTarget && (await this.hasEnabledTrigger(bareOutputTarget))) {
      throw new SqlServerError(
        334,
        `The target table '${bareOutputTarget.replace(/"/g, '')}' of the DML statement cannot have any enabled triggers if the statement contains an OUTPUT clause without INTO clause.`,
      );
    }
    this.spelling = spellings(tsql);
    const byName = new Map(params.map((p) => [p.name, p.value]));
    const values = order.map((n) => byName.get(n) ?? null);
    for (const n of new Set([...sql.matchAll(/\blegacy_varchar_(\d+)\b/g)].map((m) => Number(m[1])))) await this.ensureVarcharDomain(n);
    // Statement-level atomicity inside a transaction, as SQL Server has: a failed statement does not doom the transaction.
    if (this.inTransaction) await this.client.query('SAVEPOINT erp_sim_stmt');
    try {
      const count = isQuery(sql) ? await this.stream(sql, values, sink) : await this.run(sql, values, sink);
      if (this.inTransaction) await this.client.query('RELEASE SAVEPOINT erp_sim_stmt');
      return count;
    } catch (err) {
      const e = toSqlServerError(err);
      if (this.inTransaction && e.number === 1205) {
        // SQL Server rolls the deadlock victim's whole transaction back (its locks go), not just the statement.
        this.inTransaction = false;
        await this.client.query('ROLLBACK').catch(() => {});
        e.transactionRolledBack = true;
      } else if (this.inTransaction) {
        await this.client.query('ROLLBACK TO SAVEPOINT erp_sim_stmt').catch(() => {});
      }
      throw e;
    } finally {
      this.running = false;
    }
  }

  /** The session's DATEFORMAT (SET DATEFORMAT / SET LANGUAGE; us_english = mdy). */
  dateFormat = 'mdy';
  /** The login's default language's DATEFORMAT, restored by a connection reset. */
  private loginDateFormat = 'mdy';

  /** The login's default language (a Spanish login starts in dmy unless the client sets its own). */
  setLoginLanguage(language: string): void {
    this.setLanguage(language);
    this.loginDateFormat = this.dateFormat;
  }

  /** `SET LANGUAGE x` sets the DATEFORMAT of that language (the simulator knows English and the dmy languages of our customers). */
  setLanguage(language: string): void {
    const l = language.replace(/^N?'|'$/g, '').toLowerCase();
    this.dateFormat = /^(us_english|english)$/.test(l)
      ? 'mdy'
      : /^(español|spanish|british|français|french|italiano|italian|deutsch|german|português|portuguese)$/.test(l)
        ? 'dmy'
        : this.dateFormat;
  }

  /**
   * SQL Server reads a string 'YYYY-MM-DD[ hh:mm…]' converted to datetime/smalldatetime by the
   * DATEFORMAT: under dmy it is year-day-month ('2026-03-01' = 3 January; '2026-11-23' fails with
   * 242). date/datetime2 columns and typed parameters are not affected, nor ISO with 'T'.
   */
  private async applyDateFormat(tsql: string, params: Param[]): Promise<Param[]> {
    if (this.dateFormat !== 'dmy') return params;
    const targets = parameterTargets(tsql);
    if (targets.length === 0) return params;
    const out = [...params];
    for (const target of targets) {
      const i = out.findIndex((p) => p.name === target.param);
      const p = out[i];
      if (!p || typeof p.value !== 'string' || pgTypeOf(p.type) !== '') continue;
      const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?$/.exec(p.value.trim());
      if (!m) continue;
      const table = target.table
        .split('.')
        .map((x) => (x.startsWith('"') ? x : x.toLowerCase()))
        .join('.');
      const column = target.column.startsWith('"') ? target.column.slice(1, -1) : target.column.toLowerCase();
      const r = await this.client.query(
        `select t.typname from pg_attribute a join pg_type t on t.oid = a.atttypid where a.attrelid = to_regclass($1) and a.attname = $2`,
        [table, column],
      );
      if (r.rows[0]?.typname !== 'datetime') continue;
      const [y, day, month] = [m[1]!, Number(m[2]), Number(m[3])];
      const valid = month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
      if (!valid)
        throw new SqlServerError(242, 'The conversion of a nvarchar data type to a datetime data type resulted in an out-of-range value.');
      out[i] = { ...p, value: `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}${m[4] ?? ''}` };
    }
    return out;
  }

  /** Whether `table` (as written in the statement) has an enabled user trigger in the backing PostgreSQL database. */
  private async hasEnabledTrigger(table: string): Promise<boolean> {
    const name = table
      .split('.')
      .map((p) => (p.startsWith('"') ? p : p.toLowerCase()))
      .join('.');
    const r = await this.client.query(
      `select 1 from pg_trigger where tgrelid = to_regclass($1) and not tgisinternal and tgenabled <> 'D' limit 1`,
      [name],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Inserts bulk-loaded rows (already decoded to text) into `table`. */
  async bulkInsert(table: string, columns: { name: string; type: TypeInfo }[], rows: (string | Buffer | null)[][]): Promise<number> {
    const target = table.startsWith('#') ? `"${table}"` : table;
    const cols = columns.map((c) => `"${c.name}"`).join(', ');
    for (let start = 0; start < rows.length; start += 500) {
      const chunk = rows.slice(start, start + 500);
      const values: (string | Buffer | null)[] = [];
      const tuples = chunk.map(
        (r) =>
          `(${r
            .map((v, i) => {
              values.push(v);
              const type = pgTypeOf(columns[i]!.type);
              return type ? `$${values.length}::${type}` : `$${values.length}`;
            })
            .join(', ')})`,
      );
      try {
        await this.client.query(`INSERT INTO ${target} (${cols}) VALUES ${tuples.join(', ')}`, values);
      } catch (err) {
        throw toSqlServerError(err);
      }
    }
    return rows.length;
  }

  private async run(sql: string, values: unknown[], sink: ResultSink): Promise<number | undefined> {
    this.running = true;
    const r = await this.client.query({ text: sql, values, rowMode: 'array', types: TEXT });
    this.running = false;
    if (r.fields?.length) {
      await sink.columns(await this.describe(r.fields));
      for (const row of r.rows as (string | null)[][]) if (!(await sink.row(row))) break;
    }
    return r.rowCount ?? undefined;
  }

  /** Streams through a cursor, FETCH_ROWS at a time: a result set is never held whole. */
  private async stream(sql: string, values: unknown[], sink: ResultSink): Promise<number> {
    const own = !this.inTransaction;
    const cursor = `erp_sim_c${++this.cursorSeq}`;
    if (own) await this.client.query('BEGIN');
    let open = false;
    try {
      this.running = true;
      await this.client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, values });
      open = true;
      let count = 0;
      for (let first = true; ; first = false) {
        this.running = true;
        const r = await this.client.query({ text: `FETCH ${FETCH_ROWS} FROM ${cursor}`, rowMode: 'array', types: TEXT });
        this.running = false; // while rows wait for the socket, a cancel must not hit the next query
        if (first) await sink.columns(await this.describe(r.fields));
        for (const row of r.rows as (string | null)[][]) {
          count++;
          if (!(await sink.row(row))) return count;
        }
        if (r.rows.length < FETCH_ROWS) break;
      }
      return count;
    } finally {
      this.running = false;
      if (open) await this.client.query(`CLOSE ${cursor}`).catch(() => {});
      if (own) await this.client.query('COMMIT').catch(() => this.client.query('ROLLBACK').catch(() => {}));
    }
  }

  private async describe(fields: pg.FieldDef[]): Promise<Column[]> {
    const out: Column[] = [];
    for (const f of fields) {
      const domain = f.tableID ? await this.domainOf(f.tableID, f.columnID) : '';
      out.push({
        name: this.spelling.get(f.name) ?? f.name,
        type: this.legacyColumns.has(f.name.toLowerCase()) ? { kind: 'varchar' } : kindOf(f, domain),
      });
    }
    return out;
  }

  /** VARCHAR(n) columns are `legacy_varchar_<n>` (varchar(n): too long → 22001 → 8152), created on first use. */
  private async ensureVarcharDomain(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 1 || n > 8000)
      throw new SqlServerError(131, `The size (${n}) given to the type 'varchar' exceeds the maximum allowed (8000).`);
    await this.client.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'legacy_varchar_${n}') THEN CREATE DOMAIN legacy_varchar_${n} AS varchar(${n}); END IF;
    EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL; END $$`);
  }

  private async domainOf(table: number, column: number): Promise<string> {
    const key = `${table}:${column}`;
    if (!this.domainCache.has(key)) {
      const r = await this.client.query(
        'select t.typname from pg_attribute a join pg_type t on t.oid = a.atttypid where a.attrelid = $1 and a.attnum = $2',
        [table, column],
      );
      this.domainCache.set(key, (r.rows[0] as { typname?: string } | undefined)?.typname ?? '');
    }
    return this.domainCache.get(key)!;
  }
}

/** lower-case name → the spelling the statement used (`CodProv`), so result columns keep SQL Server's case. */
function spellings(tsql: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tsql.replace(/'(?:[^']|'')*'/g, "''").matchAll(/\[([^\]]+)\]|(?<![@\w])([A-Za-z_][A-Za-z0-9_]*)\b/g)) {
    const word = (m[1] ?? m[2])!;
    if (word !== word.toLowerCase() && !out.has(word.toLowerCase())) out.set(word.toLowerCase(), word);
  }
  return out;
}

function kindOf(f: pg.FieldDef, domain: string): ColumnKind {
  if (domain === 'datetime') return { kind: 'datetime' };
  if (/^legacy_varchar(_\d+)?$/.test(domain)) return { kind: 'varchar' };
  if (domain === 'tsql_bit') return { kind: 'bit' };
  if (domain === 'tsql_money') return { kind: 'money' };
  if (domain === 'tsql_smallmoney') return { kind: 'money', size: 4 };
  switch (f.dataTypeID) {
    case 16:
      return { kind: 'bit' };
    case 21:
      return { kind: 'int', size: 2 };
    case 23:
    case 26:
      return { kind: 'int', size: 4 };
    case 20:
      return { kind: 'int', size: 8 };
    case 700:
    case 701:
      return { kind: 'float' };
    case 790:
      return { kind: 'money' };
    case 1700: {
      if (f.dataTypeModifier < 0) return { kind: 'decimal', precision: 38, scale: 10 };
      const precision = ((f.dataTypeModifier - 4) >> 16) & 0xffff;
      return { kind: 'decimal', precision: Math.min(precision, 38), scale: (f.dataTypeModifier - 4) & 0xffff };
    }
    case 1114:
      return { kind: 'datetime2' };
    case 1184:
      return { kind: 'datetimeoffset' };
    case 1082:
      return { kind: 'date' };
    case 2950:
      return { kind: 'guid' };
    case 17:
      return { kind: 'varbinary' };
    default:
      return { kind: 'nvarchar' };
  }
}
