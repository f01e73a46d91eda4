/**
 * ERP SIMULATOR — test and demo tooling only, never on the product path (src/ never imports it).
 * A TDS 7.4 server on 127.0.0.1 that speaks enough of the SQL Server wire protocol for tedious
 * and FreeTDS, and runs the statements on PostgreSQL. What it emulates: docs/erp-simulator.md.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { handleConnection, type Faults } from './tds-connection.ts';

export interface ErpSimulatorOptions {
  databaseUrl: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  user: string;
  password: string;
  /** `strict`: TDS 8 — TLS before any TDS, with a self-signed certificate made at start. */
  tls?: 'off' | 'strict';
  /** Result columns (by name) sent as legacy VARCHAR in code page 1252 instead of NVARCHAR. */
  legacyVarcharColumns?: string[];
  /** The login's default language, e.g. 'Español' (DATEFORMAT dmy) — unless the client sends SET LANGUAGE / SET DATEFORMAT. */
  defaultLanguage?: string;
  log?: (line: string) => void;
}

export interface ErpSimulator {
  host: '127.0.0.1';
  port: number;
  /** PEM of the self-signed certificate in `tls: 'strict'` mode (clients pin it). */
  certificatePem?: string;
  close(): Promise<void>;
  faults: {
    /** Destroy the connection after sending `n` rows of the next result set. */
    dropAfterRows(n: number): void;
    /** Delay every response by `ms`. */
    delay(ms: number): void;
    /** Answer the next statement with this SQL Server error number. */
    failNext(number: number, message?: string): void;
    reset(): void;
  };
}

async function selfSignedCertificate(): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'erp-sim-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    return { key: await readFile(path.join(dir, 'key.pem')), cert: await readFile(path.join(dir, 'cert.pem')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Starts the ERP simulator on 127.0.0.1 (`port` 0 = ephemeral). Each TDS connection gets its own
 * PostgreSQL session on `databaseUrl`; `close()` drops every connection and stops listening.
 */
export async function startErpSimulator(opts: ErpSimulatorOptions): Promise<ErpSimulator> {
  const faults: Faults = { dropAfterRows: undefined, delayMs: 0, failNext: undefined };
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    handleConnection(socket, { ...opts, faults });
  };
  let server: Server;
  let certificatePem: string | undefined;
  if (opts.tls === 'strict') {
    const { key, cert } = await selfSignedCertificate();
    certificatePem = cert.toString();
    server = tls.createServer({ key, cert, ALPNProtocols: ['tds/8.0'] }, (s) => onSocket(s));
  } else {
    server = createServer(onSocket);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  opts.log?.(`erp-sim (SQL Server simulator) listening on 127.0.0.1:${port}`);
  return {
    host: '127.0.0.1',
    port,
    certificatePem,
    faults: {
      dropAfterRows: (n) => void (faults.dropAfterRows = n),
      delay: (ms) => void (faults.delayMs = ms),
      failNext: (number, message) => void (faults.failNext = { number, message: message ?? `simulated error ${number}` }),
      reset: () => Object.assign(faults, { dropAfterRows: undefined, delayMs: 0, failNext: undefined }),
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
