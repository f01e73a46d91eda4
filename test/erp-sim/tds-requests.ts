/** ERP SIMULATOR: decoding of client requests (SQL batch, RPC, transaction manager, bulk load). */
import { TdsReader } from './tds-buffer.ts';
import type { Param } from './pg-backend.ts';
import { readTypeInfo, readValue, type TypeInfo } from './tds-types.ts';

/** Requests start with ALL_HEADERS (total length first); the transaction descriptor lives there. */
function skipAllHeaders(r: TdsReader): void {
  const total = r.u32();
  r.pos += total - 4;
}

export function parseSqlBatch(payload: Buffer): string {
  const r = new TdsReader(payload);
  skipAllHeaders(r);
  return payload.subarray(r.pos).toString('ucs2');
}

const SP_EXECUTESQL = 10;

/** sp_executesql @stmt, @params, @p1 = …: the statement and its typed parameters. */
export function parseRpc(payload: Buffer): { sql: string; params: Param[] } {
  const r = new TdsReader(payload);
  skipAllHeaders(r);
  const nameLen = r.u16();
  const procId = nameLen === 0xffff ? r.u16() : undefined;
  const procName = procId === undefined ? r.ucs2(nameLen) : undefined;
  r.u16(); // option flags
  if (procId !== SP_EXECUTESQL && procName?.toLowerCase() !== 'sp_executesql') {
    throw new Error(`not supported by the ERP simulator: RPC ${procName ?? `proc id ${procId}`} (only sp_executesql)`);
  }
  const all: Param[] = [];
  while (r.remaining > 0) {
    const name = r.bVarchar().replace(/^@/, '');
    r.u8(); // status flags
    const type = readTypeInfo(r);
    all.push({ name, type, value: readValue(r, type) });
  }
  const [stmt, , ...params] = all;
  return { sql: String(stmt?.value ?? ''), params };
}

export type TransactionRequest = 'begin' | 'commit' | 'rollback';

export function parseTransactionManager(payload: Buffer): TransactionRequest {
  const r = new TdsReader(payload);
  skipAllHeaders(r);
  const type = r.u16();
  if (type === 5) return 'begin';
  if (type === 7) return 'commit';
  if (type === 8) return 'rollback';
  throw new Error(`not supported by the ERP simulator: transaction manager request ${type}`);
}

/** `insert bulk #t ([a] int, [b] nvarchar(20))` → table and column names. */
export function parseInsertBulk(sql: string): { table: string; columns: string[] } | undefined {
  const m = /^\s*insert\s+bulk\s+([^\s(]+)\s*\(([\s\S]*)\)/i.exec(sql);
  if (!m) return undefined;
  const columns = [...m[2]!.matchAll(/\[([^\]]+)\]/g)].map((c) => c[1]!);
  return { table: m[1]!.replace(/^\[|\]$/g, ''), columns };
}

/** A BulkLoadBCP message: COLMETADATA, then ROW tokens, then DONE. */
export function parseBulkRows(payload: Buffer): { columns: { name: string; type: TypeInfo }[]; rows: (string | Buffer | null)[][] } {
  const r = new TdsReader(payload);
  if (r.u8() !== 0x81) throw new Error('bulk load: expected COLMETADATA');
  const count = r.u16();
  const columns: { name: string; type: TypeInfo }[] = [];
  for (let i = 0; i < count; i++) {
    r.u32();
    r.u16();
    const type = readTypeInfo(r);
    columns.push({ name: r.bVarchar(), type });
  }
  const rows: (string | Buffer | null)[][] = [];
  while (r.remaining > 0) {
    const token = r.u8();
    if (token === 0xfd) break;
    if (token !== 0xd1) throw new Error(`bulk load: unexpected token 0x${token.toString(16)}`);
    rows.push(columns.map((c) => readValue(r, c.type)));
  }
  return { columns, rows };
}
