/** ERP SIMULATOR: one client connection — login, then requests one at a time. */
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PgBackend, SqlServerError, toSqlServerError, type Param, type ResultSink } from './pg-backend.ts';
import { MessageReader, MessageWriter, PACKET, sendMessage, type TdsMessage } from './tds-packets.ts';
import { parseLogin7, preloginResponse } from './tds-login.ts';
import { parseBulkRows, parseInsertBulk, parseRpc, parseSqlBatch, parseTransactionManager } from './tds-requests.ts';
import * as tok from './tds-tokens.ts';
import type { Column } from './tds-tokens.ts';

export interface Faults {
  dropAfterRows: number | undefined;
  delayMs: number;
  failNext: { number: number; message: string } | undefined;
}

export interface ConnectionOptions {
  databaseUrl: string;
  user: string;
  password: string;
  legacyVarcharColumns?: string[];
  log?: (line: string) => void;
  faults: Faults;
}

/** Batches made only of SET statements (tedious's connection set-up) are accepted and ignored. */
const ONLY_SETS = /^(\s*set\s+[^;\n]+?(;|\n|$))+\s*$/i;

export function handleConnection(socket: Socket, o: ConnectionOptions): void {
  let backend: PgBackend | undefined;
  let packetSize = 4096;
  let descriptor = Buffer.alloc(8);
  let cancelled = false;
  let busy = false;
  let bulk: { table: string } | undefined;
  const queue: TdsMessage[] = [];

  socket.on('error', () => {});
  socket.on('close', () => void backend?.close());

  const reader = new MessageReader((m) => {
    if (m.type === PACKET.ATTENTION) {
      // While a statement runs, it stops and acknowledges; when idle, acknowledge at once.
      if (busy) cancelled = true;
      else sendMessage(socket, PACKET.TABULAR_RESULT, tok.done(tok.DONE_STATUS.ATTN), packetSize);
      return;
    }
    queue.push(m);
    void drain();
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch {
      socket.destroy();
    }
  });

  async function drain(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (let m = queue.shift(); m; m = queue.shift()) {
        if (o.faults.delayMs) await new Promise((r) => setTimeout(r, o.faults.delayMs));
        await handle(m);
        cancelled = false;
      }
    } finally {
      busy = false;
    }
  }

  async function handle(m: TdsMessage): Promise<void> {
    switch (m.type) {
      case PACKET.PRELOGIN:
        return sendMessage(socket, PACKET.TABULAR_RESULT, preloginResponse(), packetSize);
      case PACKET.LOGIN7:
        return login(m.payload);
      case PACKET.SQL_BATCH:
        return statement(parseSqlBatch(m.payload), [], false);
      case PACKET.RPC_REQUEST: {
        let rpc: { sql: string; params: Param[] };
        try {
          rpc = parseRpc(m.payload);
        } catch (err) {
          return sendMessage(socket, PACKET.TABULAR_RESULT, Buffer.concat([tok.errorToken(102, (err as Error).message), tok.doneProc(tok.DONE_STATUS.ERROR)]), packetSize);
        }
        return statement(rpc.sql, rpc.params, true);
      }
      case PACKET.TRANSACTION_MANAGER:
        return transaction(m.payload);
      case PACKET.BULK_LOAD:
        return bulkLoad(m.payload);
      default:
        socket.destroy();
    }
  }

  async function login(payload: Buffer): Promise<void> {
    const l = parseLogin7(payload);
    if (l.user !== o.user || l.password !== o.password) {
      o.log?.(`erp-sim: login failed for '${l.user}'`);
      sendMessage(socket, PACKET.TABULAR_RESULT, Buffer.concat([tok.errorToken(18456, `Login failed for user '${l.user}'.`, 14, 1), tok.done(tok.DONE_STATUS.ERROR)]), packetSize);
      socket.end();
      return;
    }
    packetSize = Math.min(Math.max(l.packetSize || 4096, 512), 32767);
    backend = await PgBackend.open(o.databaseUrl, o.legacyVarcharColumns);
    sendMessage(socket, PACKET.TABULAR_RESULT, Buffer.concat([
      tok.envDatabase(l.database || 'master'), tok.envCollation(), tok.infoToken(5701, `Changed database context to '${l.database || 'master'}'.`),
      tok.loginAck(), tok.envPacketSize(packetSize), tok.done(tok.DONE_STATUS.FINAL),
    ]), packetSize);
  }

  async function transaction(payload: Buffer): Promise<void> {
    const out: Buffer[] = [];
    try {
      const kind = parseTransactionManager(payload);
      if (kind === 'begin') {
        await backend!.begin();
        descriptor = randomBytes(8);
        out.push(tok.envBeginTransaction(descriptor));
      } else if (kind === 'commit') {
        await backend!.commit();
        out.push(tok.envCommitTransaction(descriptor));
      } else {
        await backend!.rollback();
        out.push(tok.envRollbackTransaction(descriptor));
      }
      out.push(tok.done(tok.DONE_STATUS.FINAL));
    } catch (err) {
      const e = toSqlServerError(err);
      out.push(tok.errorToken(e.number, e.message, e.cls), tok.done(tok.DONE_STATUS.ERROR));
    }
    sendMessage(socket, PACKET.TABULAR_RESULT, Buffer.concat(out), packetSize);
  }

  async function bulkLoad(payload: Buffer): Promise<void> {
    const out: Buffer[] = [];
    try {
      if (!bulk) throw new SqlServerError(4022, 'bulk load data was expected but not sent (no INSERT BULK statement before it)');
      const { columns, rows } = parseBulkRows(payload);
      const count = await backend!.bulkInsert(bulk.table, columns, rows);
      out.push(tok.done(tok.DONE_STATUS.FINAL, count));
    } catch (err) {
      const e = toSqlServerError(err);
      out.push(tok.errorToken(e.number, e.message, e.cls), tok.done(tok.DONE_STATUS.ERROR));
    } finally {
      bulk = undefined;
    }
    sendMessage(socket, PACKET.TABULAR_RESULT, Buffer.concat(out), packetSize);
  }

  async function statement(sql: string, params: Param[], rpc: boolean): Promise<void> {
    const writer = new MessageWriter(socket, PACKET.TABULAR_RESULT, packetSize);
    const doneToken = (status: number, count?: number) => (rpc ? tok.doneInProc(status, count) : tok.done(status, count));
    const finish = async (status: number) => {
      if (rpc) await writer.write(Buffer.concat([tok.returnStatus(status & tok.DONE_STATUS.ERROR ? 1 : 0), tok.doneProc(status)]));
      writer.end();
    };
    if (ONLY_SETS.test(sql)) {
      await writer.write(doneToken(tok.DONE_STATUS.FINAL));
      return finish(tok.DONE_STATUS.FINAL);
    }
    const insertBulk = parseInsertBulk(sql);
    if (insertBulk) {
      bulk = { table: insertBulk.table };
      await writer.write(doneToken(tok.DONE_STATUS.FINAL));
      return finish(tok.DONE_STATUS.FINAL);
    }
    let columns: Column[] = [];
    let sent = 0;
    const sink: ResultSink = {
      columns: async (cols) => {
        columns = cols;
        await writer.write(tok.colMetadata(cols));
      },
      row: async (values) => {
        if (cancelled || socket.destroyed) return false;
        await writer.write(tok.row(columns, values));
        sent++;
        if (o.faults.dropAfterRows !== undefined && sent >= o.faults.dropAfterRows) {
          o.faults.dropAfterRows = undefined;
          socket.destroy(); // a connection lost mid-stream
          return false;
        }
        return true;
      },
    };
    try {
      if (o.faults.failNext) {
        const f = o.faults.failNext;
        o.faults.failNext = undefined;
        throw new SqlServerError(f.number, f.message);
      }
      const count = await backend!.execute(sql, params, sink);
      if (socket.destroyed) return;
      if (cancelled) {
        await writer.write(doneToken(tok.DONE_STATUS.ATTN));
        return finish(tok.DONE_STATUS.ATTN);
      }
      await writer.write(doneToken(tok.DONE_STATUS.FINAL, count));
      return finish(tok.DONE_STATUS.FINAL);
    } catch (err) {
      if (socket.destroyed) return;
      const e = toSqlServerError(err);
      o.log?.(`erp-sim: error ${e.number}: ${e.message}`);
      await writer.write(Buffer.concat([tok.errorToken(e.number, e.message, e.cls), doneToken(tok.DONE_STATUS.ERROR)]));
      return finish(tok.DONE_STATUS.ERROR);
    }
  }
}
