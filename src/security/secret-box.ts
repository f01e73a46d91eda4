import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretEnvelope } from '../db/schema.ts';

/** Raised when a secret cannot be opened: unknown key id, wrong key, or a tampered envelope. */
export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
  readonly code = 'SECRET_UNREADABLE';
}

/** The keys in force: `primary` seals, any of `keys` (by key id) opens — so keys can rotate. */
export interface Keyring {
  primary: { kid: string; key: Buffer };
  keys: Map<string, Buffer>;
}

/** Key id: the first 8 hex digits of SHA-256(key); identifies the key without revealing it. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Builds a keyring from base64 keys; the first seals, all open. */
export function createKeyring(primaryBase64: string, previousBase64: string[] = []): Keyring {
  const decode = (b64: string) => {
    const key = Buffer.from(b64.trim(), 'base64');
    if (key.length !== 32) throw new SecretKeyError('secret key must be 32 bytes encoded as base64');
    return key;
  };
  const primary = decode(primaryBase64);
  const keys = new Map<string, Buffer>([[keyId(primary), primary]]);
  for (const b64 of previousBase64) {
    const key = decode(b64);
    keys.set(keyId(key), key);
  }
  return { primary: { kid: keyId(primary), key: primary }, keys };
}

/**
 * Seals a secret with AES-256-GCM. `context` names the column AND the row it belongs to (e.g.
 * "sync_erp_connection.password:acme:AXIOMA") and is bound as additional data, so an envelope
 * copied into another column, tenant or row does not open there. Envelopes are version 2.
 */
export function sealSecret(plain: string, ring: Keyring, context: string): SecretEnvelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.primary.key, iv);
  cipher.setAAD(Buffer.from(context));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { v: 2, kid: ring.primary.kid, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

/**
 * Opens an envelope sealed by sealSecret with the same context. Version 1 envelopes were sealed
 * before contexts named the row: they open with `legacyContext` (the column alone) until the next
 * save rewrites them as version 2. Relabelling a v2 envelope as v1 does not help an attacker: it
 * was not sealed under the legacy context, so authentication fails.
 */
export function openSecret(envelope: SecretEnvelope, ring: Keyring, context: string, legacyContext?: string): string {
  const key = ring.keys.get(envelope.kid);
  if (!key) {
    throw new SecretKeyError(
      `secret was sealed with key ${envelope.kid}, which is not configured; set SYNC_SECRET_KEY or SYNC_SECRET_KEY_PREVIOUS to that key`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(Buffer.from(envelope.v === 1 && legacyContext !== undefined ? legacyContext : context));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new SecretKeyError(`secret (key ${envelope.kid}) failed authentication: wrong key or tampered data`, { cause: err });
  }
}
