/**
 * ERP SIMULATOR (test tooling, never on the product path): little-endian buffer builder and
 * reader for TDS messages, written from the MS-TDS specification.
 */
export class TdsWriter {
  // One growing buffer rather than a Buffer per field: the simulator serves a million rows in the
  // ingest bench, on the same two cores as the pipeline it measures.
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  /** Reserves `n` bytes and returns where they start; read `this.buf` only after (it may be replaced). */
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number): this {
    const at = this.room(1);
    this.buf.writeUInt8(v, at);
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.buf.writeUInt16LE(v, at);
    return this;
  }
  u16be(v: number): this {
    const at = this.room(2);
    this.buf.writeUInt16BE(v, at);
    return this;
  }
  i16(v: number): this {
    const at = this.room(2);
    this.buf.writeInt16LE(v, at);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.buf.writeUInt32LE(v >>> 0, at);
    return this;
  }
  u32be(v: number): this {
    const at = this.room(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }
  i32(v: number): this {
    const at = this.room(4);
    this.buf.writeInt32LE(v, at);
    return this;
  }
  u64(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigUInt64LE(v, at);
    return this;
  }
  /** u64 of a length or count (below 2^53): two 32-bit halves, no BigInt per value. */
  u64n(v: number): this {
    const at = this.room(8);
    this.buf.writeUInt32LE(v % 0x1_0000_0000, at);
    this.buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), at + 4);
    return this;
  }
  i64(v: bigint): this {
    const at = this.room(8);
    this.buf.writeBigInt64LE(v, at);
    return this;
  }
  f64(v: number): this {
    const at = this.room(8);
    this.buf.writeDoubleLE(v, at);
    return this;
  }
  bytes(b: Buffer): this {
    const at = this.room(b.length);
    b.copy(this.buf, at);
    return this;
  }
  /** Unsigned little-endian integer of `n` bytes (3- and 5-byte date/time fields, 4–16-byte decimals). */
  uintN(v: bigint | number, n: number): this {
    const at = this.room(n);
    // Up to 6 bytes a double holds the value exactly; wider ones go 4 bytes at a time.
    if (n <= 6) this.buf.writeUIntLE(Number(v), at, n);
    else if (typeof v === 'number') throw new Error(`uintN: a ${n}-byte value must be a bigint`);
    else for (let i = 0; i < n; i += 4) this.buf.writeUIntLE(Number((v >> BigInt(8 * i)) & 0xffffffffn), at + i, Math.min(4, n - i));
    return this;
  }
  ucs2(s: string): this {
    const at = this.room(2 * s.length);
    this.buf.write(s, at, 2 * s.length, 'ucs2');
    return this;
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
    return this.buf.subarray(0, this.length);
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
