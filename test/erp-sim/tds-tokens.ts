/** ERP SIMULATOR: the server's TDS tokens (MS-TDS §2.2.7). */
import { TdsWriter } from './tds-buffer.ts';
import { COLLATION_CP1252, writeTypeInfo, writeValue, type ColumnKind } from './tds-types.ts';

export const DONE_STATUS = { FINAL: 0x00, MORE: 0x01, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20 } as const;
const TOKEN = {
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  INFO: 0xab,
  LOGINACK: 0xad,
  ROW: 0xd1,
  ENVCHANGE: 0xe3,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
  RETURNSTATUS: 0x79,
} as const;
export const SERVER_NAME = 'ERP-SIMULATOR';

export interface Column {
  name: string;
  type: ColumnKind;
}

export function colMetadata(columns: Column[]): Buffer {
  const w = new TdsWriter().u8(TOKEN.COLMETADATA).u16(columns.length);
  for (const c of columns) {
    w.u32(0).u16(0x0001 | 0x0008); // user type; flags: nullable, updateable-unknown
    writeTypeInfo(w, c.type);
    w.bVarchar(c.name);
  }
  return w.toBuffer();
}

export function row(columns: Column[], values: (string | null)[]): Buffer {
  const w = new TdsWriter().u8(TOKEN.ROW);
  columns.forEach((c, i) => writeValue(w, c.type, values[i] ?? null));
  return w.toBuffer();
}

export function done(status: number, rowCount?: number, token: number = TOKEN.DONE): Buffer {
  return new TdsWriter()
    .u8(token)
    .u16(status | (rowCount !== undefined ? DONE_STATUS.COUNT : 0))
    .u16(0xc1)
    .u64(BigInt(rowCount ?? 0))
    .toBuffer();
}
export const doneInProc = (status: number, rowCount?: number) => done(status, rowCount, TOKEN.DONEINPROC);
export const doneProc = (status: number) => done(status, undefined, TOKEN.DONEPROC);
export const returnStatus = (v: number) => new TdsWriter().u8(TOKEN.RETURNSTATUS).i32(v).toBuffer();

function message(token: number, number: number, state: number, cls: number, text: string): Buffer {
  const body = new TdsWriter().i32(number).u8(state).u8(cls).usVarchar(text).bVarchar(SERVER_NAME).bVarchar('').i32(1).toBuffer();
  return new TdsWriter().u8(token).u16(body.length).bytes(body).toBuffer();
}
export const errorToken = (number: number, text: string, cls = 16, state = 1) => message(TOKEN.ERROR, number, state, cls, text);
export const infoToken = (number: number, text: string) => message(TOKEN.INFO, number, 1, 0, text);

function envChange(type: number, body: TdsWriter): Buffer {
  const b = body.toBuffer();
  return new TdsWriter()
    .u8(TOKEN.ENVCHANGE)
    .u16(b.length + 1)
    .u8(type)
    .bytes(b)
    .toBuffer();
}
export const envDatabase = (db: string) => envChange(1, new TdsWriter().bVarchar(db).bVarchar('master'));
export const envPacketSize = (size: number) => envChange(4, new TdsWriter().bVarchar(String(size)).bVarchar('4096'));
export const envCollation = () => envChange(7, new TdsWriter().u8(5).bytes(COLLATION_CP1252).u8(0));
export const envBeginTransaction = (descriptor: Buffer) => envChange(8, new TdsWriter().u8(8).bytes(descriptor).u8(0));
export const envCommitTransaction = (descriptor: Buffer) => envChange(9, new TdsWriter().u8(0).u8(8).bytes(descriptor));
export const envRollbackTransaction = (descriptor: Buffer) => envChange(10, new TdsWriter().u8(0).u8(8).bytes(descriptor));
/** RESETCONNECTION acknowledgement: empty new and old values. */
export const envResetConnection = () => envChange(18, new TdsWriter().u8(0).u8(0));

/** LOGINACK: TDS 7.4, "Microsoft SQL Server" program name, version 15.0 (the simulator answers as SQL Server 2019). */
export function loginAck(): Buffer {
  const body = new TdsWriter().u8(1).u32be(0x74000004).bVarchar('Microsoft SQL Server').u8(15).u8(0).u8(0x07).u8(0xd0).toBuffer();
  return new TdsWriter().u8(TOKEN.LOGINACK).u16(body.length).bytes(body).toBuffer();
}
