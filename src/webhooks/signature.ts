/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
 * `${id}.${timestamp}.${body}`, HMAC-SHA256 with the base64 key after the `whsec_` prefix, sent
 * as `v1,<base64>`; several space-separated signatures while a secret rotates.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A fresh secret: `whsec_` + 32 random bytes, base64. Shown once to the operator. */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** Headers for one delivery, signed with every secret in force (newest first). */
export function signWebhook(o: { id: string; timestamp: Date; body: string; secrets: string[] }): SignedHeaders {
  const ts = Math.floor(o.timestamp.getTime() / 1000).toString();
  const signatures = o.secrets.map((secret) => {
    const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
    return `v1,${createHmac('sha256', key).update(`${o.id}.${ts}.${o.body}`).digest('base64')}`;
  });
  return { 'webhook-id': o.id, 'webhook-timestamp': ts, 'webhook-signature': signatures.join(' ') };
}
