/** `admin key create|list|revoke` and `admin webhook set|rotate`: the secrets a tenant hands out. */
import { z } from 'zod';
import { insertApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys.ts';
import { API_SCOPES } from '../../db/schema.ts';
import { generateApiKey } from '../../security/api-key.ts';
import { rotateWebhookSecret } from '../../webhooks/webhook-secrets.ts';
import { check, checkDestination, requireTenant, tenantArg, UsageError, type CommandContext } from '../cli-kit.ts';

export async function keyCreate(c: CommandContext): Promise<void> {
  const a = check(z.object({ tenant: z.string({ error: c.m.required }).min(1, c.m.required), scope: z.enum(API_SCOPES) }), {
    tenant: c.args[0],
    scope: c.opts.scope,
  });
  await requireTenant(c, a.tenant);
  const key = generateApiKey();
  await insertApiKey(c.deps.db, { tenantId: a.tenant, hash: key.hash, prefix: key.prefix, scopes: [a.scope] });
  c.deps.out(c.m.keyCreated(key.prefix, a.tenant, a.scope));
  c.deps.out(key.raw);
}

/** One line per key, with when it was last used (the auth layer records it at most once a minute). */
export async function keyList(c: CommandContext): Promise<void> {
  const tenant = await tenantArg(c);
  for (const k of await listApiKeys(c.deps.db, tenant)) {
    c.deps.out(
      c.m.keyRow({
        prefix: k.prefix,
        scopes: k.scopes.join(','),
        revokedAt: k.revoked_at?.toISOString(),
        created: k.created_at.toISOString(),
        lastUsed: k.last_used_at?.toISOString(),
      }),
    );
  }
}

export async function keyRevoke(c: CommandContext): Promise<void> {
  const { prefix } = check(z.object({ prefix: z.string({ error: c.m.required }).min(1, c.m.required) }), { prefix: c.args[0] });
  if ((await revokeApiKey(c.deps.db, prefix)) === 0) throw new UsageError(c.m.noActiveKey(prefix));
  c.deps.out(c.m.keyRevoked(prefix));
}

export async function webhookSet(c: CommandContext, rotate: boolean): Promise<void> {
  const a = check(
    z.object({
      tenant: z.string({ error: c.m.required }).min(1, c.m.required),
      url: rotate ? z.undefined() : z.url({ protocol: /^https?$/ }),
    }),
    { tenant: c.args[0], url: c.opts.url },
  );
  await requireTenant(c, a.tenant);
  checkDestination('--url', a.url && new URL(a.url).hostname, c.deps.destinations);
  const secret = await rotateWebhookSecret(c.deps.db, c.deps.keyring, { tenantId: a.tenant, url: a.url, keepPrevious: rotate });
  c.deps.out(c.m.webhookSecret(a.tenant, rotate));
  c.deps.out(secret);
}
