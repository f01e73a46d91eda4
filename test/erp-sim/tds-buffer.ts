/**
 * ERP SIMULATOR (test tooling, never on the product path): little-endian buffer builder and
 * reader for TDS messages, written from the MS-TDS specification.
 */
export class TdsWriter {
  private chunks: Buffer[] = [];
  length = 0;

  private push(b: Buffer): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
  u8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(v);
    return this.push(b);
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.push(b);
  }
  u16be(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return this.push(b);
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16LE(v);
    return this.push(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.push(b);
  }
  u32be(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return this.push(b);
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.push(b);
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return this.push(b);
  }
  i64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(v);
    return this.push(b);
  }
  f64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.push(b);
  }
  bytes(b: Buffer): this {
    return this.push(b);
  }
  /** Unsigned little-endian integer of `n` bytes (for 3- and 5-byte date/time fields). */
  uintN(v: bigint, n: number): this {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
    return this.push(b);
  }
  ucs2(s: string): this {
    return this.push(Buffer.from(s, 'ucs2'));
  }
  /** B_VARCHAR: 1-byte character count, UCS-2. */
  bVarchar(s: string): this {
    return this.u8(s.length).ucs2(s);
  }
  /** US_VARCHAR: 2-byte character count, UCS-2. */
  usVarchar(s: string): this {
    return this.u16(s.length).ucs2(s);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

export class TdsReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  u8(): number {
    return this.buf.readUInt8(this.pos++);
  }
  u16(): number {
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  i16(): number {
    const v = this.buf.readInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  f32(): number {
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  uintN(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i++) v |= BigInt(this.buf[this.pos + i]!) << BigInt(8 * i);
    this.pos += n;
    return v;
  }
  bytes(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  ucs2(chars: number): string {
    return this.bytes(chars * 2).toString('ucs2');
  }
  bVarchar(): string {
    return this.ucs2(this.u8());
  }
  usVarchar(): string {
    return this.ucs2(this.u16());
  }
}
