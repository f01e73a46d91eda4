/**
 * UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Queue items are
 * keyed by it so that consecutive inserts land on the right-hand page of the primary-key index
 * instead of a random one (a random v4 key dirties a different leaf page per row, and each of those
 * pages is written to the WAL again in full after every checkpoint).
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

export function uuidV7(now = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool); // one system call per 256 ids
    next = 0;
  }
  const b = pool.subarray(16 * next, 16 * ++next);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
