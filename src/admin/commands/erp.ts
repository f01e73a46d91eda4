/** `admin erp show|set|test`: the tenant's ERP connection (password write-only) and its deep test. */
import { z } from 'zod';
import { findErpConnection, upsertErpConnection } from '../../db/erp-connections.ts';
import { ENCRYPT_MODES } from '../../db/schema.ts';
import { sealErpPassword } from '../../security/erp-password.ts';
import type { CheckStatus } from '../../sync/erp-probe.ts';
import { probeRefusal, probeStoredConnection } from '../../sync/stored-connection-probe.ts';
import { check, checkDestination, CommandFailedError, requireTenant, tenantArg, UsageError, type CommandContext } from '../cli-kit.ts';

const erpType = (c: CommandContext) => z.string({ error: c.m.required }).regex(/^[A-Z][A-Z0-9_]{0,31}$/, c.m.erpTypeFormat);

async function connection(c: CommandContext, tenant: string, type?: string) {
  const row = await findErpConnection(c.deps.db, tenant, type);
  if (!row) throw new UsageError(c.m.noErpConnection(tenant));
  return row;
}

export async function erpShow(c: CommandContext): Promise<void> {
  const tenant = await tenantArg(c);
  const r = await connection(c, tenant);
  const where = `${r.host ?? '?'}${r.instance_name ? `\\${r.instance_name}` : ''}:${r.port ?? 1433}/${r.database ?? '?'}`;
  c.deps.out(c.m.erpShow({ erpType: r.erp_type, mode: r.mode, where, user: r.username ?? '?', passwordSet: Boolean(r.password) }));
  c.deps.out(c.m.erpShowOptions({ encrypt: r.encrypt, trust: r.trust_server_certificate, version: r.version, enabled: r.enabled }));
}

export async function erpSet(c: CommandContext): Promise<void> {
  const { m, opts } = c;
  const required = z.string({ error: m.required }).min(1, m.required);
  const a = check(
    z.object({
      tenant: required,
      erpType: erpType(c),
      host: required,
      port: z.coerce.number().int().min(1).max(65535).default(1433),
      database: required,
      username: required,
      passwordStdin: z.literal(true, { error: m.passwordStdinRequired }),
      encrypt: z.enum(ENCRYPT_MODES).default('on'),
      trustServerCertificate: z.boolean().default(false),
      instanceName: z.string().min(1).optional(),
      mode: z.enum(['direct', 'agent']).default('direct'),
    }),
    {
      tenant: c.args[0],
      erpType: c.args[1],
      host: opts.host,
      port: opts.port,
      database: opts.database,
      username: opts.user,
      passwordStdin: opts['password-stdin'],
      encrypt: opts.encrypt,
      trustServerCertificate: opts['trust-server-certificate'] ?? false,
      instanceName: opts['instance-name'],
      mode: opts.mode,
    },
  );
  await requireTenant(c, a.tenant);
  checkDestination('--host', a.host, c.deps.destinations);
  const password = (await c.deps.readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new UsageError(m.passwordStdinEmpty);
  const row = await upsertErpConnection(c.deps.db, {
    ...a,
    tenantId: a.tenant,
    password: sealErpPassword(password, c.deps.keyring, { tenantId: a.tenant, erpType: a.erpType }),
  });
  c.deps.out(
    m.erpSaved({ erpType: row.erp_type, tenant: row.tenant_id, mode: row.mode, version: row.version, kid: c.deps.keyring.primary.kid }),
  );
}

const MARK: Record<CheckStatus, string> = { ok: '✔', fail: '✘', warn: '!', skip: '–' };

/** The same deep probe as POST /api/v1/sync/erp-connection/test, one line per check; exit 1 when any check failed. */
export async function erpTest(c: CommandContext): Promise<void> {
  const tenant = await tenantArg(c);
  const type = c.opts['erp-type'] === undefined ? undefined : check(z.object({ 'erp-type': erpType(c) }), c.opts)['erp-type'];
  const row = await connection(c, tenant, type);
  const refusal = probeRefusal(row);
  if (refusal) throw new CommandFailedError(refusal === 'agent_mode' ? c.m.probeAgentMode : c.m.probeNoPassword(tenant));
  const report = await probeStoredConnection(c.deps.db, c.deps.keyring, { row, lang: c.lang });
  for (const k of report.checks) {
    c.deps.out(`${MARK[k.status]} ${k.title}${k.detail ? ` — ${k.detail}` : ''}`);
    if (k.next_step && k.status !== 'ok') c.deps.out(`    ${c.m.nextStep}: ${k.next_step}`);
  }
  const failed = report.checks.filter((k) => k.status === 'fail').length;
  if (failed > 0) throw new CommandFailedError(c.m.probeFailed(failed, report.checks.length));
  c.deps.out(c.m.probePassed(report.checks.length));
}
