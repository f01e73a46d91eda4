/** `admin tenant create|list`. */
import { z } from 'zod';
import { createTenant, findTenant, listTenants } from '../../db/tenants.ts';
import { check, checkDestination, UsageError, type CommandContext } from '../cli-kit.ts';

export async function tenantCreate(c: CommandContext): Promise<void> {
  const { m, opts } = c;
  const timezone = z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, m.notTimezone);
  const a = check(
    z.object({
      id: z.string({ error: m.required }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, m.idFormat),
      name: z.string({ error: m.required }).min(1, m.required),
      timezone: timezone.default('UTC'),
      webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    }),
    { id: c.args[0], name: opts.name, timezone: opts.timezone, webhookUrl: opts['webhook-url'] },
  );
  checkDestination('--webhook-url', a.webhookUrl && new URL(a.webhookUrl).hostname, c.deps.destinations);
  if (await findTenant(c.deps.db, a.id)) throw new UsageError(m.tenantExists(a.id));
  const t = await createTenant(c.deps.db, a);
  c.deps.out(m.tenantCreated(t.id, t.name, t.timezone));
}

export async function tenantList(c: CommandContext): Promise<void> {
  for (const t of await listTenants(c.deps.db)) {
    c.deps.out(
      c.m.tenantRow({ id: t.id, name: t.name, timezone: t.timezone, webhook: Boolean(t.webhook_url), created: t.created_at.toISOString() }),
    );
  }
}
