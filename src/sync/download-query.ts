/**
 * The `process.query` of a download table is not SQL we run: it is parsed into a small
 * declarative query (which view columns, which JSON keys, AND-ed equalities, an order) and our
 * code writes the SQL from it with bound parameters and the tenant predicate (download-source.ts).
 *
 * Three spellings are accepted, all meaning the same thing:
 * - seed 001's shorthand `parametros_maestros.tipo_campo=cuenta`;
 * - a tiny SELECT: `SELECT codigo, nombre, parametros_json->>'nivel' AS nivel FROM parametros_maestros
 *   WHERE tipo_campo = 'cuenta' AND activo = true ORDER BY codigo DESC` (also `SELECT *`);
 * - the structured JSON form `{ "select": ["codigo", {"json": "nivel", "as": "nivel"}],
 *   "where": {"tipo_campo": "cuenta", "activo": true}, "order_by": [{"column": "codigo", "desc": true}] }`.
 * Anything else (comments, quoted identifiers, functions, sub-queries, other tables, a second
 * statement) is refused with the position of the first thing that is not in the grammar.
 */
import { SQL_IDENTIFIER } from '../core/sql-identifier.ts';
import { z } from 'zod';

/** Columns of the parametros_maestros view a tenant may read (its tenant column is ours to set). */
export const VIEW_COLUMNS = ['codigo', 'nombre', 'tipo_campo', 'parametros_json', 'activo', 'updatedAt'] as const;
export type ViewColumn = (typeof VIEW_COLUMNS)[number];
/** What the shorthand and `SELECT *` return. */
export const DEFAULT_COLUMNS: readonly ViewColumn[] = ['codigo', 'nombre', 'parametros_json', 'activo'];

// At most 63 characters: these name PostgreSQL columns and JSON keys on our side.
const identifier = z.string().max(63).regex(SQL_IDENTIFIER, 'must be an identifier (letters, digits, _)');
const column = z.enum(VIEW_COLUMNS, { error: `must be a column of parametros_maestros (${VIEW_COLUMNS.join(', ')})` });
const jsonKey = z.string().min(1).max(128);
const literal = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);

/** The structured form; the SQL-looking spellings parse into it. */
export const downloadQuerySchema = z
  .object({
    select: z
      .array(
        z.union([column, z.object({ column, as: identifier.optional() }).strict(), z.object({ json: jsonKey, as: identifier }).strict()]),
      )
      .min(1)
      .max(100)
      .optional(),
    where: z.record(z.string(), literal).optional(),
    order_by: z
      .array(z.union([column, z.object({ column, desc: z.boolean().default(false) }).strict()]))
      .max(10)
      .optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    for (const key of Object.keys(q.where ?? {})) {
      if (!column.safeParse(key).success && !/^parametros_json->>[^\s]/.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['where', key],
          message: `must be a column of parametros_maestros (${VIEW_COLUMNS.join(', ')}) or parametros_json->>key`,
        });
      }
    }
  });
export type DownloadQueryInput = z.infer<typeof downloadQuerySchema>;

/** A parsed query: what download-source.ts turns into SQL. */
export interface DownloadQuery {
  select: ({ column: ViewColumn; as: string } | { json: string; as: string })[];
  where: ({ column: ViewColumn; value: string | number | boolean } | { json: string; value: string | number | boolean })[];
  orderBy: { column: ViewColumn; desc: boolean }[];
}

export class DownloadQueryError extends Error {
  override readonly name = 'DownloadQueryError';
  readonly code = 'DOWNLOAD_QUERY_REFUSED';
}

const HELP =
  "process.query must be parametros_maestros.tipo_campo=<tipo>, a SELECT of parametros_maestros columns (or parametros_json->>'key' AS alias) " +
  'FROM parametros_maestros [WHERE col = literal AND …] [ORDER BY col [ASC|DESC], …], or its JSON form { select, where, order_by }';

// --- tokenizer -------------------------------------------------------------------------------

type Token = { kind: 'word' | 'string' | 'number' | 'symbol'; text: string; pos: number };

/** Splits the text into words, '…' strings, numbers and the few symbols of the grammar; anything else is refused where it stands. */
function tokenize(text: string): Token[] {
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.exec(text);
  if (control) throw refuse(text, control.index);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 200));
    if (word) {
      // `U&'…'` / `U&"…"` and `E'…'` escape syntaxes are not in the grammar: a word glued to a quote or & is refused.
      if (text[i + word[0].length] === "'" || text[i + word[0].length] === '&') throw refuse(text, i + word[0].length);
      tokens.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    const num = /^-?\d{1,18}(\.\d{1,18})?(?![A-Za-z0-9_.])/.exec(text.slice(i, i + 40));
    if (num) {
      tokens.push({ kind: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new DownloadQueryError(`process.query: unterminated string starting at position ${i + 1}. ${HELP}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j++];
      }
      tokens.push({ kind: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    if (text.startsWith('->>', i)) {
      tokens.push({ kind: 'symbol', text: '->>', pos: i });
      i += 3;
      continue;
    }
    if (c === ',' || c === '=' || c === '*' || c === '.') {
      tokens.push({ kind: 'symbol', text: c, pos: i });
      i++;
      continue;
    }
    throw refuse(text, i);
  }
  return tokens;
}

function refuse(text: string, pos: number): DownloadQueryError {
  const near = text.slice(pos, pos + 20).replace(/[\u0000-\u001f]/g, ' ');
  return new DownloadQueryError(`process.query: unexpected ${JSON.stringify(near)} at position ${pos + 1}. ${HELP}`);
}

// --- parser ----------------------------------------------------------------------------------

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private fail(): never {
    throw refuse(this.text, this.peek()?.pos ?? this.text.length);
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toLowerCase() === w;
  }
  private word(w: string): void {
    if (!this.accept(w)) this.fail();
  }
  private accept(w: string): boolean {
    if (!this.isWord(w)) return false;
    this.i++;
    return true;
  }
  private symbol(s: string): boolean {
    if (this.peek()?.kind === 'symbol' && this.peek()!.text === s) {
      this.i++;
      return true;
    }
    return false;
  }
  private anyWord(): string {
    const t = this.peek();
    if (t?.kind !== 'word') this.fail();
    this.i++;
    return t.text;
  }

  /** A column of the view, optionally qualified with `parametros_maestros.`. */
  private column(): ViewColumn {
    const start = this.i;
    let name = this.anyWord();
    if (name.toLowerCase() === 'parametros_maestros' && this.symbol('.')) name = this.anyWord();
    const found = VIEW_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!found) {
      this.i = start;
      this.fail();
    }
    return found;
  }

  /** `col` or `parametros_json->>'key'`. */
  private operand(): { column: ViewColumn } | { json: string } {
    const col = this.column();
    if (!this.symbol('->>')) return { column: col };
    const key = this.peek();
    if (col !== 'parametros_json' || key?.kind !== 'string' || key.text.length === 0 || key.text.length > 128) this.fail();
    this.i++;
    return { json: key.text };
  }

  private literal(): string | number | boolean {
    const t = this.peek();
    if (t?.kind === 'string') {
      this.i++;
      return t.text;
    }
    if (t?.kind === 'number') {
      this.i++;
      return Number(t.text);
    }
    if (this.isWord('true')) {
      this.i++;
      return true;
    }
    if (this.isWord('false')) {
      this.i++;
      return false;
    }
    return this.fail();
  }

  parse(): DownloadQuery {
    const q: DownloadQuery = { select: [], where: [], orderBy: [] };
    this.word('select');
    if (this.symbol('*')) q.select = DEFAULT_COLUMNS.map((c) => ({ column: c, as: c }));
    else {
      do {
        const op = this.operand();
        let as: string | undefined;
        if (this.accept('as')) as = this.anyWord();
        else if (this.peek()?.kind === 'word' && !this.isWord('from')) as = this.anyWord();
        if ('json' in op && !as) this.fail();
        q.select.push('json' in op ? { json: op.json, as: as! } : { column: op.column, as: as ?? op.column });
      } while (this.symbol(','));
    }
    this.word('from');
    this.word('parametros_maestros');
    if (this.accept('where')) {
      do {
        const op = this.operand();
        if (!this.symbol('=')) this.fail();
        q.where.push({ ...op, value: this.literal() });
      } while (this.accept('and'));
    }
    if (this.accept('order')) {
      this.word('by');
      do {
        const col = this.column();
        let desc = false;
        if (!this.accept('asc') && this.accept('desc')) desc = true;
        q.orderBy.push({ column: col, desc });
      } while (this.symbol(','));
    }
    if (this.peek()) this.fail();
    return q;
  }
}

const SHORTHAND = /^\s*parametros_maestros\.tipo_campo\s*=\s*([A-Za-z0-9_]{1,63})\s*$/i;

/** Equalities our SQL can compare without a cast error: text columns take text (or a number), activo a boolean. */
function checkTypes(q: DownloadQuery): DownloadQuery {
  for (const w of q.where) {
    if ('json' in w) continue;
    const ok =
      w.column === 'activo'
        ? typeof w.value === 'boolean'
        : ['codigo', 'nombre', 'tipo_campo'].includes(w.column) && typeof w.value !== 'boolean';
    if (!ok) {
      throw new DownloadQueryError(
        w.column === 'activo'
          ? 'process.query: activo compares with true or false'
          : `process.query: ${w.column} cannot be compared in WHERE (use codigo, nombre, tipo_campo, activo or parametros_json->>'key')`,
      );
    }
  }
  return q;
}

/** From the structured JSON form (validated) to the parsed query. */
function fromInput(input: DownloadQueryInput): DownloadQuery {
  const select = (input.select ?? DEFAULT_COLUMNS).map((s) =>
    typeof s === 'string' ? { column: s, as: s } : 'json' in s ? { json: s.json, as: s.as } : { column: s.column, as: s.as ?? s.column },
  );
  const where = Object.entries(input.where ?? {}).map(([key, value]) => {
    const json = /^parametros_json->>(.+)$/.exec(key);
    return json ? { json: json[1]!, value } : { column: key as ViewColumn, value };
  });
  const orderBy = (input.order_by ?? []).map((o) =>
    typeof o === 'string' ? { column: o, desc: false } : { column: o.column, desc: o.desc },
  );
  return { select, where, orderBy };
}

/** Parses any accepted spelling of `process.query`; throws DownloadQueryError saying what is wrong. */
export function parseDownloadQuery(query: unknown): DownloadQuery {
  if (typeof query === 'object' && query !== null) {
    const r = downloadQuerySchema.safeParse(query);
    if (!r.success) {
      const first = r.error.issues[0]!;
      throw new DownloadQueryError(`process.query.${first.path.join('.')}: ${first.message}`);
    }
    return checkTypes(fromInput(r.data));
  }
  if (typeof query !== 'string' || query.trim() === '') throw new DownloadQueryError(`process.query is missing. ${HELP}`);
  if (query.length > 10_000) throw new DownloadQueryError('process.query is longer than 10000 characters');
  const short = SHORTHAND.exec(query);
  if (short) {
    return {
      select: DEFAULT_COLUMNS.map((c) => ({ column: c, as: c })),
      where: [{ column: 'tipo_campo', value: short[1]!.toLowerCase() }],
      orderBy: [],
    };
  }
  return checkTypes(new Parser(query, tokenize(query)).parse());
}

/** Why `query` is refused, or undefined (the config schema's check at write time). */
export function downloadQueryProblem(query: unknown): string | undefined {
  try {
    parseDownloadQuery(query);
    return undefined;
  } catch (e) {
    if (e instanceof DownloadQueryError) return e.message;
    throw e;
  }
}
