/**
 * ERP SIMULATOR: answers a SQL batch or an `sp_executesql` RPC. Each statement of the batch gets
 * its own result set and DONE (DONEINPROC inside an RPC, which then ends with RETURNSTATUS +
 * DONEPROC). Rows go out as PostgreSQL hands them over, packet by packet, waiting for the
 * socket to drain — so a long result is never held whole.
 */
import { SqlServerError, toSqlServerError, type Param, type PgBackend, type ResultSink } from './pg-backend.ts';
import { splitBatch } from './split-batch.ts';
import { parseInsertBulk } from './tds-requests.ts';
import type { MessageWriter } from './tds-packets.ts';
import * as tok from './tds-tokens.ts';
import type { Column } from './tds-tokens.ts';

/** The connection state a batch reads and changes. */
export interface BatchContext {
  backend: PgBackend;
  writer: MessageWriter;
  /** True once the client sent ATTENTION: stop sending rows. */
  attention(): boolean;
  /** Consumes the `dropAfterRows` fault: how many rows may go out before the connection drops. */
  takeDropAfterRows(): number | undefined;
  /** Simulates the lost connection after the rows already written. */
  drop(): void;
  /** Set by `INSERT BULK`: the table the next BulkLoadBCP message fills. */
  setBulkTarget(table: string): void;
  /** The ENVCHANGE telling the client its transaction is gone (after a deadlock). */
  transactionRolledBack(): Buffer;
  log?: (line: string) => void;
}

/** Statements made only of SET options (tedious's connection set-up, `SET NOCOUNT ON`) are acknowledged and ignored. */
const ONLY_SETS = /^(\s*set\s+[^;\n]+?(;|\n|$))+\s*$/i;

/** A batch of SET options only: connection set-up, which never consumes an injected fault. */
export const isSetupOnly = (sql: string): boolean => ONLY_SETS.test(sql);
/** Transactions go through TDS transaction-manager requests; as SQL text they would bypass the simulator's bookkeeping. */
const TRANSACTION_TEXT = /^\s*(BEGIN\s+TRAN(SACTION)?|COMMIT|ROLLBACK|SAVE\s+TRAN(SACTION)?)\b/i;

/**
 * Runs `sql` statement by statement, writing the response tokens (not the final packet: the
 * caller ends the message). Stops at the first failing statement (see docs/erp-simulator.md).
 * Returns false when the connection was dropped by a fault, so nothing more may be written.
 */
export async function runBatch(
  ctx: BatchContext,
  sql: string,
  params: Param[],
  rpc: boolean,
  failNext?: { number: number; message: string },
): Promise<boolean> {
  const { writer } = ctx;
  const doneToken = (status: number, count?: number) => (rpc ? tok.doneInProc(status, count) : tok.done(status, count));
  const statements = splitBatch(sql);
  // A SET inside sp_executesql (a parameterised request) lasts until that call returns, as on SQL Server.
  const dateFormatBefore = ctx.backend.dateFormat;
  let status: number = tok.DONE_STATUS.FINAL;
  try {
    if (failNext) throw new SqlServerError(failNext.number, failNext.message);
    if (statements.length === 0) await writer.write(doneToken(tok.DONE_STATUS.FINAL));
    for (const [i, statement] of statements.entries()) {
      const more = i < statements.length - 1 ? tok.DONE_STATUS.MORE : 0;
      if (ctx.attention()) break;
      const outcome = await runStatement(ctx, statement, params);
      if (outcome === 'dropped') return false;
      await writer.write(doneToken(more, outcome));
    }
  } catch (err) {
    const e = toSqlServerError(err);
    ctx.log?.(`erp-sim: error ${e.number}: ${e.message}`);
    status = tok.DONE_STATUS.ERROR;
    const env = e.transactionRolledBack ? ctx.transactionRolledBack() : Buffer.alloc(0);
    await writer.write(Buffer.concat([env, tok.errorToken(e.number, e.message, e.cls), doneToken(tok.DONE_STATUS.ERROR)]));
  }
  if (rpc) ctx.backend.dateFormat = dateFormatBefore;
  if (rpc) await writer.write(Buffer.concat([tok.returnStatus(status === tok.DONE_STATUS.ERROR ? 1 : 0), tok.doneProc(status)]));
  return true;
}

/** One statement: its rows (if any) are written; returns its row count, or 'dropped'. */
async function runStatement(ctx: BatchContext, statement: string, params: Param[]): Promise<number | undefined | 'dropped'> {
  if (ONLY_SETS.test(statement)) {
    // The options that change how strings become dates; the others are acknowledged and ignored.
    for (const m of statement.matchAll(/\bset\s+(dateformat|language)\s+([^;\n]+?)\s*(?:;|\n|$)/gi)) {
      if (m[1]!.toLowerCase() === 'language') ctx.backend.setLanguage(m[2]!.trim());
      else if (/^(mdy|dmy|ymd|ydm|myd|dym)$/i.test(m[2]!.trim())) ctx.backend.dateFormat = m[2]!.trim().toLowerCase();
    }
    return undefined;
  }
  if (TRANSACTION_TEXT.test(statement)) {
    throw new SqlServerError(
      102,
      `not supported by the ERP simulator: ${statement.split(/\s+/).slice(0, 2).join(' ')} as SQL text (use the TDS transaction manager request, e.g. tedious beginTransaction/commitTransaction/rollbackTransaction)`,
      15,
    );
  }
  const insertBulk = parseInsertBulk(statement);
  if (insertBulk) {
    ctx.setBulkTarget(insertBulk.table);
    return undefined;
  }
  let columns: Column[] = [];
  let sent = 0;
  let dropped = false;
  let dropAfter: number | undefined;
  const dropNow = () => {
    dropped = true;
    ctx.log?.(`erp-sim: fault — dropping the connection after ${sent} rows`);
    ctx.drop();
  };
  const sink: ResultSink = {
    columns: async (cols) => {
      columns = cols;
      dropAfter = ctx.takeDropAfterRows(); // armed for the next result set, not for statements without rows
      await ctx.writer.write(tok.colMetadata(cols));
      if (dropAfter === 0) dropNow();
    },
    row: async (values) => {
      if (dropped || ctx.attention()) return false;
      await ctx.writer.write(tok.row(columns, values));
      sent++;
      if (dropAfter !== undefined && sent >= dropAfter) {
        dropNow();
        return false;
      }
      return true;
    },
  };
  const count = await ctx.backend.execute(statement, params, sink);
  return dropped ? 'dropped' : count;
}
