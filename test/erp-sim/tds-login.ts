/** ERP SIMULATOR: PRELOGIN answer and LOGIN7 decoding (MS-TDS §2.2.6.4, §2.2.6.5). */
import { TdsReader, TdsWriter } from './tds-buffer.ts';

const OPT = { VERSION: 0x00, ENCRYPTION: 0x01, INSTOPT: 0x02, THREADID: 0x03, MARS: 0x04, TERMINATOR: 0xff } as const;
/** ENCRYPT_NOT_SUP: plain TDS (tedious `encrypt: false`). Strict mode (TDS 8) does TLS before any TDS. */
const ENCRYPT_NOT_SUP = 0x02;

export function preloginResponse(): Buffer {
  const options: [number, Buffer][] = [
    [OPT.VERSION, Buffer.from([15, 0, 0x07, 0xd0, 0, 0])],
    [OPT.ENCRYPTION, Buffer.from([ENCRYPT_NOT_SUP])],
    [OPT.INSTOPT, Buffer.from([0])],
    [OPT.THREADID, Buffer.alloc(4)],
    [OPT.MARS, Buffer.from([0])],
  ];
  const headerLen = options.length * 5 + 1;
  const w = new TdsWriter();
  let offset = headerLen;
  for (const [token, data] of options) {
    w.u8(token).u16be(offset).u16be(data.length);
    offset += data.length;
  }
  w.u8(OPT.TERMINATOR);
  for (const [, data] of options) w.bytes(data);
  return w.toBuffer();
}

export interface Login7 {
  user: string;
  password: string;
  database: string;
  packetSize: number;
  appName: string;
}

/** Passwords are sent with each byte's nibbles swapped and XORed with 0xA5. */
function unscramble(b: Buffer): string {
  const out = Buffer.from(
    b.map((x) => {
      const y = x ^ 0xa5;
      return ((y & 0x0f) << 4) | (y >> 4);
    }),
  );
  return out.toString('ucs2');
}

export function parseLogin7(payload: Buffer): Login7 {
  const r = new TdsReader(payload);
  r.u32(); // length
  r.u32(); // TDS version
  const packetSize = r.u32();
  r.pos = 36; // fixed part ends: offset/length pairs follow
  const field = () => ({ off: r.u16(), len: r.u16() });
  const [, user, password, app, , , , , database] = [field(), field(), field(), field(), field(), field(), field(), field(), field()];
  const text = (f: { off: number; len: number }) => payload.subarray(f.off, f.off + f.len * 2).toString('ucs2');
  return {
    user: text(user!),
    password: unscramble(payload.subarray(password!.off, password!.off + password!.len * 2)),
    database: text(database!),
    packetSize,
    appName: text(app!),
  };
}
