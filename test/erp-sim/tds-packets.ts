/**
 * ERP SIMULATOR: TDS packet framing. A message is one or more packets (8-byte header: type,
 * status with EOM bit 0x01, big-endian length, SPID, packet id, window).
 */
import type { Duplex } from 'node:stream';

export const PACKET = {
  SQL_BATCH: 0x01,
  RPC_REQUEST: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  BULK_LOAD: 0x07,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  PRELOGIN: 0x12,
} as const;

/** Packet status bits (MS-TDS §2.2.3.1.2). */
export const STATUS = { EOM: 0x01, IGNORE: 0x02, RESET_CONNECTION: 0x08 } as const;

export interface TdsMessage {
  type: number;
  /** Status bits of the message's first packet (RESETCONNECTION lives there). */
  status: number;
  payload: Buffer;
}

/** Reassembles messages from a byte stream; ATTENTION is delivered as soon as it arrives. */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private firstStatus: number | undefined;
  constructor(private readonly onMessage: (m: TdsMessage) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt16BE(2);
      if (length < 8) throw new Error(`bad TDS packet length ${length}`);
      if (this.pending.length < length) return;
      const type = this.pending[0]!;
      const status = this.pending[1]!;
      this.firstStatus ??= status;
      this.parts.push(this.pending.subarray(8, length));
      this.pending = this.pending.subarray(length);
      if (status & STATUS.EOM) {
        const payload = Buffer.concat(this.parts);
        const first = this.firstStatus;
        this.parts = [];
        this.firstStatus = undefined;
        // A message the client ended with IGNORE (cancelled while sending) is dropped: only its ack is due.
        this.onMessage({ type, status: first | (status & STATUS.IGNORE), payload });
      }
    }
  }
}

/**
 * Writes one message as packets of at most `packetSize` bytes, honouring back-pressure: rows are
 * appended as they stream from PostgreSQL and flushed packet by packet.
 */
export class MessageWriter {
  private buf: Buffer[] = [];
  private size = 0;
  private packetId = 1;
  constructor(
    private readonly socket: Duplex,
    private readonly type: number,
    private readonly packetSize: number,
  ) {}

  /** Appends bytes; resolves once the socket can take more (socket 'drain'). */
  async write(b: Buffer): Promise<void> {
    this.buf.push(b);
    this.size += b.length;
    const body = this.packetSize - 8;
    while (this.size > body) {
      const all = Buffer.concat(this.buf, this.size);
      const ok = this.emit(all.subarray(0, body), false);
      this.buf = [all.subarray(body)];
      this.size = all.length - body;
      if (!ok && !this.socket.destroyed) await new Promise<void>((r) => this.socket.once('drain', r));
    }
  }

  /** Sends what is buffered now as a non-final packet (so a simulated drop happens after exactly these rows). */
  flush(): void {
    if (this.size) this.emit(Buffer.concat(this.buf, this.size), false);
    this.buf = [];
    this.size = 0;
  }

  end(): void {
    this.emit(Buffer.concat(this.buf, this.size), true);
    this.buf = [];
    this.size = 0;
  }

  private emit(body: Buffer, last: boolean): boolean {
    if (this.socket.destroyed) return true;
    const header = Buffer.alloc(8);
    header[0] = this.type;
    header[1] = last ? 0x01 : 0x00;
    header.writeUInt16BE(body.length + 8, 2);
    header[6] = this.packetId++ & 0xff;
    return this.socket.write(Buffer.concat([header, body]));
  }
}

/** Sends a whole (small) message at once, split into packets. */
export function sendMessage(socket: Duplex, type: number, payload: Buffer, packetSize = 4096): void {
  if (socket.destroyed) return;
  const body = packetSize - 8;
  let id = 1;
  for (let off = 0; off === 0 || off < payload.length; off += body) {
    const part = payload.subarray(off, off + body);
    const header = Buffer.alloc(8);
    header[0] = type;
    header[1] = off + body >= payload.length ? 0x01 : 0x00;
    header.writeUInt16BE(part.length + 8, 2);
    header[6] = id++ & 0xff;
    socket.write(Buffer.concat([header, part]));
  }
}
