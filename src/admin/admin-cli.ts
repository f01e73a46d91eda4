/**
 * The operator's CLI (`make admin ARGS="…"`): tenants, API keys, webhooks, the ERP connection and its
 * test, manual runs and status. Every command validates all of its input before it writes anything.
 * Spanish by default, English with `--lang en` (src/admin/messages.ts); the commands live in ./commands.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError, type AdminDeps, type CommandContext } from './cli-kit.ts';
import { keyCreate, keyList, keyRevoke, webhookSet } from './commands/keys.ts';
import { tenantCreate, tenantList } from './commands/tenants.ts';
import { MESSAGES, pickLang, type Lang } from './messages.ts';

export { CommandFailedError, UsageError, type AdminDeps, type AdminQueue } from './cli-kit.ts';

type Command = (c: CommandContext) => Promise<void>;
// The ERP driver (tedious) and pg-boss load only for the commands that use them: every command starts faster.
const erp = () => import('./commands/erp.ts');
const runs = () => import('./commands/runs.ts');

/** Command words → handler: two words (`key list`) or one (`status`); the positionals after them are its arguments. */
const COMMANDS: Record<string, Command> = {
  'tenant create': tenantCreate,
  'tenant list': tenantList,
  'key create': keyCreate,
  'key list': keyList,
  'key revoke': keyRevoke,
  'webhook set': (c) => webhookSet(c, false),
  'webhook rotate': (c) => webhookSet(c, true),
  'erp show': async (c) => (await erp()).erpShow(c),
  'erp set': async (c) => (await erp()).erpSet(c),
  'erp test': async (c) => (await erp()).erpTest(c),
  run: async (c) => (await runs()).run(c),
  status: async (c) => (await runs()).status(c),
};

const OPTIONS = {
  lang: { type: 'string' },
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
  'erp-type': { type: 'string' },
  full: { type: 'boolean' },
  wait: { type: 'boolean' },
} as const;

/** The usage text in the language the arguments ask for, else `fallback` (no database needed). */
export function usage(argv: string[], fallback: Lang = 'es'): string {
  return MESSAGES[pickLang(argv, fallback)].usage;
}

/** True when the arguments ask for help (`--help`, `-h`, `help`, or nothing at all). */
export const wantsHelp = (argv: string[]) => argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';

export async function runAdmin(argv: string[], deps: AdminDeps): Promise<void> {
  const lang = pickLang(argv, deps.lang ?? 'es');
  const m = MESSAGES[lang];
  // Zod's own messages (a wrong enum, a bad number) in the same language as ours.
  z.config(lang === 'en' ? z.locales.en() : z.locales.es());
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    throw new UsageError(`${m.badArguments((err as Error).message)}\n${m.usage}`);
  }
  const { values: opts, positionals: p } = parsed;
  if (opts.lang !== undefined && opts.lang !== 'es' && opts.lang !== 'en') throw new UsageError(m.badArguments('--lang es|en'));
  const two = `${p[0] ?? ''} ${p[1] ?? ''}`;
  const [name, args] = COMMANDS[two] ? [two, p.slice(2)] : [p[0] ?? '', p.slice(1)];
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`${m.unknownCommand(two.trim())}\n${m.usage}`);
  await command({ deps, m, lang, args, opts });
}
