import type { Executor } from '../db/connect.ts';
import { openSecret, sealSecret, type Keyring } from '../security/secret-box.ts';
import { generateWebhookSecret } from './signature.ts';

/** Context of envelopes sealed before they named their tenant (version 1). */
const LEGACY_WEBHOOK_SECRET_CONTEXT = 'sync_tenant.webhook_secret';
/** Bound into the envelope of a tenant's webhook secrets: it opens for that tenant only. */
const webhookSecretContext = (tenantId: string) => `${LEGACY_WEBHOOK_SECRET_CONTEXT}:${tenantId}`;

/** The tenant's secrets in force, newest first (two while rotating). */
export async function readWebhookSecrets(
  db: Executor,
  keyring: Keyring,
  tenantId: string,
): Promise<{ url: string | null; secrets: string[] }> {
  const t = await db.selectFrom('sync_tenant').select(['webhook_url', 'webhook_secret']).where('id', '=', tenantId).executeTakeFirst();
  if (!t) return { url: null, secrets: [] };
  const secrets = t.webhook_secret
    ? (JSON.parse(openSecret(t.webhook_secret, keyring, webhookSecretContext(tenantId), LEGACY_WEBHOOK_SECRET_CONTEXT)) as string[])
    : [];
  return { url: t.webhook_url, secrets };
}

/**
 * Sets the URL and a new secret. With `keepPrevious`, the newest old secret stays valid too
 * (deliveries carry both signatures) until the next rotation — so the Hub can switch over.
 * Returns the new secret, which is shown once.
 */
export async function rotateWebhookSecret(
  db: Executor,
  keyring: Keyring,
  o: { tenantId: string; url?: string; keepPrevious: boolean },
): Promise<string> {
  const current = await readWebhookSecrets(db, keyring, o.tenantId);
  const secret = generateWebhookSecret();
  const secrets = o.keepPrevious && current.secrets[0] ? [secret, current.secrets[0]] : [secret];
  await db
    .updateTable('sync_tenant')
    .set({
      webhook_secret: JSON.stringify(sealSecret(JSON.stringify(secrets), keyring, webhookSecretContext(o.tenantId))),
      ...(o.url ? { webhook_url: o.url } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', o.tenantId)
    .execute();
  return secret;
}
