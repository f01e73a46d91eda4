/** The Standard Webhooks secret format: `whsec_` + base64 key. Here because config checks it too. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export function isWebhookSecret(s: string): boolean {
  return s.startsWith(WEBHOOK_SECRET_PREFIX) && Buffer.from(s.slice(WEBHOOK_SECRET_PREFIX.length), 'base64').length >= 24;
}
