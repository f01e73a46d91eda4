/**
 * The operator's CLI (`make admin ARGS="…"`): tenants, API keys, ERP connections.
 * Every command validates all of its input before it writes anything.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { insertApiKey, listApiKeys, revokeApiKey } from '../db/api-keys.ts';
import type { Executor } from '../db/connect.ts';
import { findErpConnection, upsertErpConnection } from '../db/erp-connections.ts';
import { sealErpPassword } from '../security/erp-password.ts';
import { API_SCOPES, ENCRYPT_MODES } from '../db/schema.ts';
import { createTenant, DEFAULT_TIME_ZONE, findTenant, listTenants } from '../db/tenants.ts';
import { timeZoneSchema } from '../core/timezone.ts';
import { generateApiKey } from '../security/api-key.ts';
import { checkDestinationHost, DestinationRefusedError, type DestinationPolicy } from '../security/destination-policy.ts';
import type { Keyring } from '../security/secret-box.ts';
import { rotateWebhookSecret } from '../webhooks/webhook-secrets.ts';

/** A misuse of the CLI: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

export const USAGE = `usage:
  admin tenant create <id> --name <name> [--timezone <IANA>] [--webhook-url <url>]
  admin tenant list
  admin key create <tenant> --scope hub|agent|admin
  admin key list <tenant>
  admin key revoke <prefix>
  admin webhook set <tenant> --url <https-url>      (new secret, printed once)
  admin webhook rotate <tenant>                     (new secret; the previous one stays valid until the next rotation)
  admin erp show <tenant>                           (the connection, password never shown)
  admin erp set <tenant> <erp_type> --host <h> --port <p> --database <db> --user <u> --password-stdin
                [--encrypt off|on|strict] [--trust-server-certificate] [--instance-name <name>]
                [--mode direct|agent]   (agent: the worker leaves this tenant's ERP writes to its on-site agent)`;

export interface AdminDeps {
  db: Executor;
  keyring: Keyring;
  /** Where webhook URLs and ERP hosts may point (checked when they are written). */
  destinations: DestinationPolicy;
  /** Reads the whole of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
  out(line: string): void;
}

/** Refuses a destination the policy forbids, naming the option. */
function checkDestination(option: string, host: string | undefined, policy: DestinationPolicy): void {
  if (host === undefined) return;
  try {
    checkDestinationHost(host, policy);
  } catch (err) {
    if (err instanceof DestinationRefusedError) throw new UsageError(`${option}: ${err.message}`);
    throw err;
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new UsageError(r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '));
}

async function requireTenant(db: Executor, id: string): Promise<void> {
  if (!(await findTenant(db, id))) throw new UsageError(`unknown tenant '${id}' (create it with: admin tenant create ${id} --name …)`);
}

/** Node's argument parser, with its complaints (unknown option, missing value) turned into usage errors. */
function parseArgsOrUsage<T extends Parameters<typeof parseArgs>[0]>(config: T) {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
}

export async function runAdmin(argv: string[], deps: AdminDeps): Promise<void> {
  const { values: o, positionals: p } = parseArgsOrUsage({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      timezone: { type: 'string' },
      'webhook-url': { type: 'string' },
      scope: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      database: { type: 'string' },
      user: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      encrypt: { type: 'string' },
      'trust-server-certificate': { type: 'boolean' },
      'instance-name': { type: 'string' },
      mode: { type: 'string' },
      url: { type: 'string' },
    },
  });
  const command = `${p[0] ?? ''} ${p[1] ?? ''}`;
  switch (command) {
    case 'tenant create': {
      const a = check(
        z.object({
          id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'letters, digits, _ . - (max 63)'),
          name: z.string().min(1, 'required'),
          timezone: timeZoneSchema.default(DEFAULT_TIME_ZONE),
          webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
        }),
        { id: p[2], name: o.name, timezone: o.timezone, webhookUrl: o['webhook-url'] },
      );
      checkDestination('--webhook-url', a.webhookUrl && new URL(a.webhookUrl).hostname, deps.destinations);
      if (await findTenant(deps.db, a.id)) throw new UsageError(`tenant '${a.id}' already exists`);
      const t = await createTenant(deps.db, a);
      deps.out(`tenant ${t.id} created (${t.name}, ${t.timezone})`);
      return;
    }
    case 'key create': {
      const a = check(z.object({ tenant: z.string().min(1, 'required'), scope: z.enum(API_SCOPES) }), { tenant: p[2], scope: o.scope });
      await requireTenant(deps.db, a.tenant);
      const key = generateApiKey();
      await insertApiKey(deps.db, { tenantId: a.tenant, hash: key.hash, prefix: key.prefix, scopes: [a.scope] });
      deps.out(`key ${key.prefix}… created for tenant ${a.tenant} with scope ${a.scope}; it is shown once, store it now:`);
      deps.out(key.raw);
      return;
    }
    case 'tenant list': {
      for (const t of await listTenants(deps.db)) {
        deps.out(`${t.id}\t${t.name}\t${t.timezone}\twebhook ${t.webhook_url ? 'set' : 'none'}\tcreated ${t.created_at.toISOString()}`);
      }
      return;
    }
    case 'erp show': {
      const tenant = check(z.string().min(1, 'tenant required'), p[2]);
      await requireTenant(deps.db, tenant);
      const c = await findErpConnection(deps.db, tenant);
      if (!c) throw new UsageError(`tenant '${tenant}' has no ERP connection (set one with: admin erp set ${tenant} <erp_type> …)`);
      const where = `${c.host ?? '?'}${c.instance_name ? `\\${c.instance_name}` : ''}:${c.port ?? 1433}/${c.database ?? '?'}`;
      deps.out(
        `${c.erp_type}\tmode ${c.mode}\t${where}\tuser ${c.username ?? '?'}\tpassword ${c.password ? 'set (encrypted)' : 'not set'}`,
      );
      deps.out(
        `encrypt ${c.encrypt}\ttrust server certificate ${c.trust_server_certificate ? 'yes' : 'no'}\tversion ${c.version}\t${c.enabled ? 'enabled' : 'disabled'}`,
      );
      return;
    }
    case 'key list': {
      const tenant = check(z.string().min(1, 'tenant required'), p[2]);
      await requireTenant(deps.db, tenant);
      for (const k of await listApiKeys(deps.db, tenant)) {
        const state = k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active';
        deps.out(
          `${k.prefix}\t${k.scopes.join(',')}\t${state}\tcreated ${k.created_at.toISOString()}\tlast used ${k.last_used_at?.toISOString() ?? 'never'}`,
        );
      }
      return;
    }
    case 'key revoke': {
      const prefix = check(z.string().min(1, 'prefix required'), p[2]);
      if ((await revokeApiKey(deps.db, prefix)) === 0) throw new UsageError(`no active key with prefix '${prefix}'`);
      deps.out(`key ${prefix} revoked`);
      return;
    }
    case 'erp set': {
      const a = check(
        z.object({
          tenant: z.string().min(1, 'required'),
          erpType: z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/, 'upper-case name like AXIOMA or SOFTLAND'),
          host: z.string().min(1, 'required'),
          port: z.coerce.number().int().min(1).max(65535).default(1433),
          database: z.string().min(1, 'required'),
          username: z.string().min(1, 'required'),
          passwordStdin: z.literal(true, { error: 'required: pass --password-stdin and pipe the password in' }),
          encrypt: z.enum(ENCRYPT_MODES).default('on'),
          trustServerCertificate: z.boolean().default(false),
          instanceName: z.string().min(1).optional(),
          mode: z.enum(['direct', 'agent']).default('direct'),
        }),
        {
          tenant: p[2],
          erpType: p[3],
          host: o.host,
          port: o.port,
          database: o.database,
          username: o.user,
          passwordStdin: o['password-stdin'],
          encrypt: o.encrypt,
          trustServerCertificate: o['trust-server-certificate'] ?? false,
          instanceName: o['instance-name'],
          mode: o.mode,
        },
      );
      await requireTenant(deps.db, a.tenant);
      checkDestination('--host', a.host, deps.destinations);
      const password = (await deps.readStdin()).replace(/\r?\n$/, '');
      if (!password) throw new UsageError('password: nothing on standard input (pipe it in: printf %s "$PW" | admin erp set …)');
      const row = await upsertErpConnection(deps.db, {
        ...a,
        tenantId: a.tenant,
        password: sealErpPassword(password, deps.keyring, { tenantId: a.tenant, erpType: a.erpType }),
      });
      deps.out(
        `erp connection ${row.erp_type} for tenant ${row.tenant_id} saved (mode ${row.mode}, version ${row.version}, password encrypted with key ${deps.keyring.primary.kid})`,
      );
      return;
    }
    case 'webhook set':
    case 'webhook rotate': {
      const rotate = command === 'webhook rotate';
      const a = check(z.object({ tenant: z.string().min(1, 'required'), url: rotate ? z.undefined() : z.url({ protocol: /^https?$/ }) }), {
        tenant: p[2],
        url: o.url,
      });
      await requireTenant(deps.db, a.tenant);
      checkDestination('--url', a.url && new URL(a.url).hostname, deps.destinations);
      const secret = await rotateWebhookSecret(deps.db, deps.keyring, { tenantId: a.tenant, url: a.url, keepPrevious: rotate });
      deps.out(
        `webhook secret for tenant ${a.tenant} ${rotate ? 'rotated (the previous one stays valid until the next rotation)' : 'set'}; it is shown once, give it to the Hub now:`,
      );
      deps.out(secret);
      return;
    }
    default:
      throw new UsageError(`unknown command '${command.trim()}'\n${USAGE}`);
  }
}
