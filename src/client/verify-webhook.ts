/**
 * Standard Webhooks verification for the Hub, with WebCrypto only (Node 20+, Deno, Bun, workers):
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${raw body}` with the base64 key after
 * `whsec_`, compared in constant time against each `v1,` signature; stale timestamps refused.
 */
import { webhookEvent, type WebhookEventBody } from '../contract/webhook-events.ts';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/** Default tolerance between the event's timestamp and now, seconds (the specification's 5 minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

type HeaderBag = Record<string, string | string[] | undefined> | Headers;

const header = (h: HeaderBag, name: string): string | undefined => {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const v = (h as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Returns the typed event when one of `secrets` (current and, while rotating, previous) signed
 * `rawBody`; throws WebhookVerificationError otherwise. Pass the body exactly as received.
 */
export async function verifyWebhook(
  headers: HeaderBag,
  rawBody: string | Uint8Array,
  secrets: string | string[],
  o: { toleranceSeconds?: number; now?: Date } = {},
): Promise<WebhookEventBody & { id: string }> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  const ts = Number(timestamp);
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  if (!Number.isInteger(ts) || Math.abs(now - ts) > (o.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) {
    throw new WebhookVerificationError('webhook-timestamp is missing or too far from now');
  }
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const offered = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => base64ToBytes(s.slice(3)));
  for (const secret of [secrets].flat()) {
    const key = await crypto.subtle.importKey(
      'raw',
      base64ToBytes(secret.replace(/^whsec_/, '')),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, signed));
    if (offered.some((sig) => equalConstantTime(sig, expected))) {
      const parsed = webhookEvent.safeParse(JSON.parse(body));
      if (!parsed.success)
        throw new WebhookVerificationError(`signed, but not an event this client knows: ${parsed.error.issues[0]?.message}`);
      return { ...parsed.data, id };
    }
  }
  throw new WebhookVerificationError('no signature matches the secret');
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
