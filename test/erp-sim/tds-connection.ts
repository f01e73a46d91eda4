/**
 * ERP SIMULATOR: one client connection — PRELOGIN, LOGIN7, then requests answered one at a time
 * in arrival order (TDS is request/response at the message level). ATTENTION is handled the
 * moment it arrives: the running statement stops (its PostgreSQL query is cancelled), its
 * response ends, and the acknowledgement (DONE with the ATTN bit) follows as its own message.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { PgBackend, SqlServerError, toSqlServerError, type Param } from './pg-backend.ts';
import { isSetupOnly, runBatch } from './run-batch.ts';
import { parseLogin7, preloginResponse } from './tds-login.ts';
import { MessageReader, MessageWriter, PACKET, STATUS, sendMessage, type TdsMessage } from './tds-packets.ts';
import { parseBulkRows, parseRpc, parseSqlBatch, parseTransactionManager } from './tds-requests.ts';
import * as tok from './tds-tokens.ts';

/** Fault injection state shared by all connections of one simulator (see index.ts). */
export interface Faults {
  dropAfterRows: number | undefined;
  /** Milliseconds to wait before answering each request. */
  delayMs: number;
  failNext: { number: number; message: string } | undefined;
}

export interface ConnectionOptions {
  databaseUrl: string;
  user: string;
  password: string;
  legacyVarcharColumns?: string[];
  /** The login's default language, e.g. 'Español' (its DATEFORMAT is dmy); default us_english. */
  defaultLanguage?: string;
  log?: (line: string) => void;
  faults: Faults;
}

/** Serves one accepted socket (plain TCP, or TLS already negotiated in strict mode). */
export function handleConnection(socket: Socket, o: ConnectionOptions): void {
  let backend: PgBackend | undefined;
  let packetSize = 4096;
  let descriptor = Buffer.alloc(8);
  let busy = false;
  let attention = false;
  let bulkTable: string | undefined;
  const queue: TdsMessage[] = [];
  const respond = (payload: Buffer) => sendMessage(socket, PACKET.TABULAR_RESULT, payload, packetSize);

  socket.on('error', () => {});
  socket.on('close', () => void backend?.close());

  const reader = new MessageReader((m) => {
    if (m.type !== PACKET.ATTENTION) {
      queue.push(m);
      void drain();
    } else if (busy) {
      // The ack follows the cancelled request's response (drain sends it).
      attention = true;
      void backend?.cancel();
    } else {
      respond(tok.done(tok.DONE_STATUS.ATTN));
    }
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch (err) {
      o.log?.(`erp-sim: closing a connection that sent malformed TDS: ${(err as Error).message}`);
      socket.destroy();
    }
  });

  async function drain(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (let m = queue.shift(); m; m = queue.shift()) {
        if (o.faults.delayMs) await new Promise((r) => setTimeout(r, o.faults.delayMs));
        await handle(m).catch((err: unknown) => {
          o.log?.(`erp-sim: internal error, closing the connection: ${(err as Error).stack ?? String(err)}`);
          socket.destroy();
        });
        if (attention) {
          attention = false;
          respond(tok.done(tok.DONE_STATUS.ATTN));
        }
      }
    } finally {
      busy = false;
    }
  }

  async function handle(m: TdsMessage): Promise<void> {
    if (m.type === PACKET.PRELOGIN) return respond(preloginResponse());
    if (m.type === PACKET.LOGIN7) return login(m.payload);
    if (!backend) {
      o.log?.(`erp-sim: closing a connection that sent packet type 0x${m.type.toString(16)} before logging in`);
      socket.destroy();
      return;
    }
    // A request the client abandoned while sending it (IGNORE bit): answered, never run.
    if (m.status & STATUS.IGNORE) return respond(tok.done(tok.DONE_STATUS.FINAL));
    const prefix = m.status & STATUS.RESET_CONNECTION ? await resetSession(backend) : Buffer.alloc(0);
    switch (m.type) {
      case PACKET.SQL_BATCH:
        return batch(backend, prefix, parseSqlBatch(m.payload), [], false);
      case PACKET.RPC_REQUEST: {
        let rpc: { sql: string; params: Param[] };
        try {
          rpc = parseRpc(m.payload);
        } catch (err) {
          const e = toSqlServerError(err);
          return respond(Buffer.concat([prefix, tok.errorToken(e.number, e.message, e.cls), tok.doneProc(tok.DONE_STATUS.ERROR)]));
        }
        return batch(backend, prefix, rpc.sql, rpc.params, true);
      }
      case PACKET.TRANSACTION_MANAGER:
        return respond(Buffer.concat([prefix, await transaction(backend, m.payload)]));
      case PACKET.BULK_LOAD:
        return respond(Buffer.concat([prefix, await bulkLoad(backend, m.payload)]));
      default:
        o.log?.(`erp-sim: closing a connection that sent packet type 0x${m.type.toString(16)}, not supported by the ERP simulator`);
        socket.destroy();
    }
  }

  async function login(payload: Buffer): Promise<void> {
    const l = parseLogin7(payload);
    if (l.user !== o.user || l.password !== o.password) {
      o.log?.(`erp-sim: login failed for '${l.user}'`);
      respond(Buffer.concat([tok.errorToken(18456, `Login failed for user '${l.user}'.`, 14, 1), tok.done(tok.DONE_STATUS.ERROR)]));
      socket.end();
      return;
    }
    backend = await PgBackend.open(o.databaseUrl, o.legacyVarcharColumns);
    if (o.defaultLanguage) backend.setLoginLanguage(o.defaultLanguage);
    if (socket.destroyed) return void backend.close();
    const database = l.database || 'master';
    backend.database = database;
    // The packet size is agreed first and applies from the LOGINACK response on (MS-TDS §2.2.7.9).
    const agreed = Math.min(Math.max(l.packetSize || 4096, 512), 32767);
    respond(
      Buffer.concat([
        tok.envDatabase(database),
        tok.envCollation(),
        tok.infoToken(5701, `Changed database context to '${database}'.`),
        tok.loginAck(),
        tok.envPacketSize(agreed),
        tok.done(tok.DONE_STATUS.FINAL),
      ]),
    );
    packetSize = agreed;
  }

  async function batch(b: PgBackend, prefix: Buffer, sql: string, params: Param[], rpc: boolean): Promise<void> {
    const writer = new MessageWriter(socket, PACKET.TABULAR_RESULT, packetSize);
    if (prefix.length) await writer.write(prefix);
    let failNext: Faults['failNext'];
    if (o.faults.failNext && !isSetupOnly(sql)) [failNext, o.faults.failNext] = [o.faults.failNext, undefined];
    const alive = await runBatch(
      {
        backend: b,
        writer,
        attention: () => attention,
        takeDropAfterRows: () => {
          const n = o.faults.dropAfterRows;
          o.faults.dropAfterRows = undefined;
          return n;
        },
        drop: () => {
          writer.flush();
          socket.end(); // FIN after the rows already written: the client sees them, then a lost connection
          setTimeout(() => socket.destroy(), 500).unref();
        },
        setBulkTarget: (table) => void (bulkTable = table),
        transactionRolledBack: () => tok.envRollbackTransaction(descriptor),
        log: o.log,
      },
      sql,
      params,
      rpc,
      failNext,
    );
    if (alive) writer.end();
  }

  async function transaction(b: PgBackend, payload: Buffer): Promise<Buffer> {
    try {
      const kind = parseTransactionManager(payload);
      if (kind === 'begin') {
        await b.begin();
        descriptor = randomBytes(8);
        return Buffer.concat([tok.envBeginTransaction(descriptor), tok.done(tok.DONE_STATUS.FINAL)]);
      }
      if (kind === 'commit') await b.commit();
      else await b.rollback();
      const env = kind === 'commit' ? tok.envCommitTransaction(descriptor) : tok.envRollbackTransaction(descriptor);
      return Buffer.concat([env, tok.done(tok.DONE_STATUS.FINAL)]);
    } catch (err) {
      const e = toSqlServerError(err);
      return Buffer.concat([tok.errorToken(e.number, e.message, e.cls), tok.done(tok.DONE_STATUS.ERROR)]);
    }
  }

  async function bulkLoad(b: PgBackend, payload: Buffer): Promise<Buffer> {
    try {
      if (!bulkTable)
        throw new SqlServerError(
          4022,
          'Bulk load data was expected but not sent: no INSERT BULK statement came before it (ERP simulator).',
        );
      const { columns, rows } = parseBulkRows(payload);
      const count = await b.bulkInsert(bulkTable, columns, rows);
      return tok.done(tok.DONE_STATUS.FINAL, count);
    } catch (err) {
      const e = toSqlServerError(err);
      return Buffer.concat([tok.errorToken(e.number, e.message, e.cls), tok.done(tok.DONE_STATUS.ERROR)]);
    } finally {
      bulkTable = undefined;
    }
  }

  /** RESETCONNECTION (a pool handing the connection to a new user): fresh session state, acknowledged by ENVCHANGE 18. */
  async function resetSession(b: PgBackend): Promise<Buffer> {
    await b.reset();
    bulkTable = undefined;
    return tok.envResetConnection();
  }
}
