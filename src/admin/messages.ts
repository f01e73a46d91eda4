/**
 * Everything the admin CLI says, one table per language. Spanish is the operators' language and the
 * default; `--lang en` or an English `LANG`/`LC_ALL` switches to English. The `Messages` type makes
 * both tables complete: a message missing in one language does not compile.
 */
export type Lang = 'es' | 'en';

export interface Messages {
  usage: string;
  badArguments(detail: string): string;
  unknownCommand(command: string): string;
  unknownTenant(id: string): string;
  tenantExists(id: string): string;
  tenantCreated(id: string, name: string, timezone: string): string;
  tenantRow(o: { id: string; name: string; timezone: string; webhook: boolean; created: string }): string;
  idFormat: string;
  required: string;
  notTimezone: string;
  erpTypeFormat: string;
  passwordStdinRequired: string;
  passwordStdinEmpty: string;
  keyCreated(prefix: string, tenant: string, scope: string): string;
  keyRow(o: { prefix: string; scopes: string; revokedAt?: string; created: string; lastUsed?: string }): string;
  keyRevoked(prefix: string): string;
  noActiveKey(prefix: string): string;
  webhookSecret(tenant: string, rotated: boolean): string;
  noErpConnection(tenant: string): string;
  erpSaved(o: { erpType: string; tenant: string; mode: string; version: number; kid: string }): string;
  erpShow(o: { erpType: string; mode: string; where: string; user: string; passwordSet: boolean }): string;
  erpShowOptions(o: { encrypt: string; trust: boolean; version: number; enabled: boolean }): string;
  probeAgentMode: string;
  probeNoPassword(tenant: string): string;
  probeFailed(failed: number, total: number): string;
  probePassed(total: number): string;
  nextStep: string;
  noRunnableEntity(entity: string, tenant: string): string;
  tenantBusy(limit: string): string;
  runQueued(runId: string, entity: string): string;
  runState(state: 'created' | 'active' | 'retry'): string;
  runWaitingForWorker: string;
  runFinished(o: { status: string; message: string }): string;
  runFailed(o: { state: string; message: string }): string;
  statusEmpty(tenant: string): string;
  statusHeader: string;
  never: string;
  ago(seconds: number): string;
}

const s = (n: number) => (n === 1 ? '' : 's');

/** Seconds as the largest whole unit ("3 h", "12 min"): operators read freshness at a glance. */
function span(seconds: number, units: { s: string; min: string; h: string; d: string }): string {
  if (seconds < 90) return `${Math.round(seconds)} ${units.s}`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} ${units.min}`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} ${units.h}`;
  return `${Math.round(seconds / 86400)} ${units.d}`;
}

const ES: Messages = {
  usage: `uso: admin <comando> [opciones] [--lang es|en]
  admin tenant create <id> --name <nombre> [--timezone <IANA>] [--webhook-url <url>]
  admin tenant list
  admin key create <tenant> --scope hub|agent|admin|viewer
  admin key list <tenant>                           (con el último uso de cada clave)
  admin key revoke <prefijo>
  admin webhook set <tenant> --url <url-https>      (secreto nuevo, se muestra una sola vez)
  admin webhook rotate <tenant>                     (secreto nuevo; el anterior vale hasta la próxima rotación)
  admin erp show <tenant>                           (la conexión; la contraseña nunca se muestra)
  admin erp set <tenant> <erp_type> --host <h> --port <p> --database <db> --user <u> --password-stdin
                [--encrypt off|on|strict] [--trust-server-certificate] [--instance-name <nombre>]
                [--mode direct|agent]   (agent: el agente local hace las escrituras en el ERP de este tenant)
  admin erp test <tenant> [--erp-type <tipo>]       (prueba a fondo la conexión: ✔/✘ por paso con qué hacer; sale con 1 si algo falla)
  admin run <tenant> <ENTIDAD> [--full] [--wait]    (corre una sincronización ya; --wait espera a que termine)
  admin status <tenant>                             (por entidad: última corrida, filas, antigüedad, cola)
Códigos de salida: 0 bien, 1 falló, 2 uso incorrecto. English: --lang en.`,
  badArguments: (d) => `argumentos no válidos: ${d}`,
  unknownCommand: (c) => `comando desconocido '${c}'`,
  unknownTenant: (id) => `el tenant '${id}' no existe (créelo con: admin tenant create ${id} --name …)`,
  tenantExists: (id) => `el tenant '${id}' ya existe`,
  tenantCreated: (id, name, tz) => `tenant ${id} creado (${name}, ${tz})`,
  tenantRow: (t) => `${t.id}\t${t.name}\t${t.timezone}\twebhook ${t.webhook ? 'configurado' : 'ninguno'}\tcreado ${t.created}`,
  idFormat: 'letras, dígitos, _ . - (máx. 63)',
  required: 'obligatorio',
  notTimezone: 'no es una zona horaria IANA',
  erpTypeFormat: 'nombre en mayúsculas como AXIOMA o SOFTLAND',
  passwordStdinRequired: 'obligatorio: pase --password-stdin y envíe la contraseña por la entrada estándar',
  passwordStdinEmpty: 'password: no llegó nada por la entrada estándar (envíela así: printf %s "$PW" | admin erp set …)',
  keyCreated: (p, t, sc) => `clave ${p}… creada para el tenant ${t} con alcance ${sc}; se muestra una sola vez, guárdela ahora:`,
  keyRow: (k) =>
    `${k.prefix}\t${k.scopes}\t${k.revokedAt ? `revocada ${k.revokedAt}` : 'activa'}\tcreada ${k.created}\túltimo uso ${k.lastUsed ?? 'nunca'}`,
  keyRevoked: (p) => `clave ${p} revocada`,
  noActiveKey: (p) => `no hay una clave activa con prefijo '${p}'`,
  webhookSecret: (t, rotated) =>
    `secreto de webhook del tenant ${t} ${rotated ? 'rotado (el anterior vale hasta la próxima rotación)' : 'configurado'}; se muestra una sola vez, páselo al Hub ahora:`,
  noErpConnection: (t) => `el tenant '${t}' no tiene conexión al ERP (cárguela con: admin erp set ${t} <erp_type> …)`,
  erpSaved: (o) =>
    `conexión ERP ${o.erpType} del tenant ${o.tenant} guardada (modo ${o.mode}, versión ${o.version}, contraseña cifrada con la clave ${o.kid})`,
  erpShow: (o) =>
    `${o.erpType}\tmodo ${o.mode}\t${o.where}\tusuario ${o.user}\tcontraseña ${o.passwordSet ? 'cargada (cifrada)' : 'sin cargar'}`,
  erpShowOptions: (o) =>
    `encrypt ${o.encrypt}\tconfiar en el certificado ${o.trust ? 'sí' : 'no'}\tversión ${o.version}\t${o.enabled ? 'habilitada' : 'deshabilitada'}`,
  probeAgentMode:
    'la conexión está en modo agent: las consultas las corre el agente local, este equipo no llega al ERP (pruébela desde el agente)',
  probeNoPassword: (t) => `la conexión no tiene contraseña: cárguela con admin erp set ${t} … --password-stdin`,
  probeFailed: (f, n) => `la prueba de conexión falló: ${f} de ${n} ${n === 1 ? 'comprobación' : 'comprobaciones'} con ✘`,
  probePassed: (n) => `conexión correcta: ${n} ${n === 1 ? 'comprobación' : 'comprobaciones'}`,
  nextStep: 'qué hacer',
  noRunnableEntity: (e, t) => `la entidad ${e} no tiene una configuración habilitada de entrada o de descarga en el tenant '${t}'`,
  tenantBusy: (limit) =>
    `el tenant ya tiene ${limit} corridas en cola o en curso (límite TENANT_RUNS_IN_FLIGHT); reintente en unos segundos`,
  runQueued: (id, e) => `corrida ${id} de ${e} en cola`,
  runState: (st) => ({ created: 'en cola…', active: 'en curso…', retry: 'reintentando…' })[st],
  runWaitingForWorker: 'sigue en cola: ¿está corriendo el worker? (make worker o make run)',
  runFinished: (o) => `terminó: ${o.status} — ${o.message}`,
  runFailed: (o) => `la corrida falló (${o.state}): ${o.message}`,
  statusEmpty: (t) => `el tenant '${t}' no tiene entidades configuradas`,
  statusHeader: 'entidad\tdirección\túltima corrida\testado\tfilas leídas/cambiadas/borradas\tantigüedad\tpendientes\treintentos\tmuertos',
  never: 'nunca',
  ago: (sec) => `hace ${span(sec, { s: 's', min: 'min', h: 'h', d: 'd' })}`,
};

const EN: Messages = {
  usage: `usage: admin <command> [options] [--lang es|en]
  admin tenant create <id> --name <name> [--timezone <IANA>] [--webhook-url <url>]
  admin tenant list
  admin key create <tenant> --scope hub|agent|admin|viewer
  admin key list <tenant>                           (with each key's last use)
  admin key revoke <prefix>
  admin webhook set <tenant> --url <https-url>      (new secret, printed once)
  admin webhook rotate <tenant>                     (new secret; the previous one stays valid until the next rotation)
  admin erp show <tenant>                           (the connection, password never shown)
  admin erp set <tenant> <erp_type> --host <h> --port <p> --database <db> --user <u> --password-stdin
                [--encrypt off|on|strict] [--trust-server-certificate] [--instance-name <name>]
                [--mode direct|agent]   (agent: the worker leaves this tenant's ERP writes to its on-site agent)
  admin erp test <tenant> [--erp-type <type>]       (deep connection test: ✔/✘ per step with what to do; exit 1 if any fails)
  admin run <tenant> <ENTITY> [--full] [--wait]     (runs a sync now; --wait waits until it finishes)
  admin status <tenant>                             (per entity: last run, rows, freshness, queue)
Exit codes: 0 ok, 1 failed, 2 misuse. Español: --lang es.`,
  badArguments: (d) => `bad arguments: ${d}`,
  unknownCommand: (c) => `unknown command '${c}'`,
  unknownTenant: (id) => `unknown tenant '${id}' (create it with: admin tenant create ${id} --name …)`,
  tenantExists: (id) => `tenant '${id}' already exists`,
  tenantCreated: (id, name, tz) => `tenant ${id} created (${name}, ${tz})`,
  tenantRow: (t) => `${t.id}\t${t.name}\t${t.timezone}\twebhook ${t.webhook ? 'set' : 'none'}\tcreated ${t.created}`,
  idFormat: 'letters, digits, _ . - (max 63)',
  required: 'required',
  notTimezone: 'not an IANA time zone',
  erpTypeFormat: 'upper-case name like AXIOMA or SOFTLAND',
  passwordStdinRequired: 'required: pass --password-stdin and pipe the password in',
  passwordStdinEmpty: 'password: nothing on standard input (pipe it in: printf %s "$PW" | admin erp set …)',
  keyCreated: (p, t, sc) => `key ${p}… created for tenant ${t} with scope ${sc}; it is shown once, store it now:`,
  keyRow: (k) =>
    `${k.prefix}\t${k.scopes}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\tcreated ${k.created}\tlast used ${k.lastUsed ?? 'never'}`,
  keyRevoked: (p) => `key ${p} revoked`,
  noActiveKey: (p) => `no active key with prefix '${p}'`,
  webhookSecret: (t, rotated) =>
    `webhook secret for tenant ${t} ${rotated ? 'rotated (the previous one stays valid until the next rotation)' : 'set'}; it is shown once, give it to the Hub now:`,
  noErpConnection: (t) => `tenant '${t}' has no ERP connection (set one with: admin erp set ${t} <erp_type> …)`,
  erpSaved: (o) =>
    `erp connection ${o.erpType} for tenant ${o.tenant} saved (mode ${o.mode}, version ${o.version}, password encrypted with key ${o.kid})`,
  erpShow: (o) => `${o.erpType}\tmode ${o.mode}\t${o.where}\tuser ${o.user}\tpassword ${o.passwordSet ? 'set (encrypted)' : 'not set'}`,
  erpShowOptions: (o) =>
    `encrypt ${o.encrypt}\ttrust server certificate ${o.trust ? 'yes' : 'no'}\tversion ${o.version}\t${o.enabled ? 'enabled' : 'disabled'}`,
  probeAgentMode:
    'the connection is in agent mode: the on-site agent runs the queries, this machine cannot reach the ERP (test it from the agent)',
  probeNoPassword: (t) => `the connection has no password: set it with admin erp set ${t} … --password-stdin`,
  probeFailed: (f, n) => `the connection test failed: ${f} of ${n} check${s(n)} with ✘`,
  probePassed: (n) => `connection ok: ${n} check${s(n)}`,
  nextStep: 'what to do',
  noRunnableEntity: (e, t) => `entity ${e} has no enabled inbound or download configuration in tenant '${t}'`,
  tenantBusy: (limit) => `the tenant already has ${limit} runs queued or running (limit TENANT_RUNS_IN_FLIGHT); retry in a few seconds`,
  runQueued: (id, e) => `run ${id} of ${e} queued`,
  runState: (st) => ({ created: 'queued…', active: 'running…', retry: 'retrying…' })[st],
  runWaitingForWorker: 'still queued: is the worker running? (make worker or make run)',
  runFinished: (o) => `finished: ${o.status} — ${o.message}`,
  runFailed: (o) => `the run failed (${o.state}): ${o.message}`,
  statusEmpty: (t) => `tenant '${t}' has no configured entities`,
  statusHeader: 'entity\tdirection\tlast run\tstatus\trows read/changed/deleted\tfreshness\tpending\tretry\tdead',
  never: 'never',
  ago: (sec) => `${span(sec, { s: 's', min: 'min', h: 'h', d: 'd' })} ago`,
};

export const MESSAGES: Record<Lang, Messages> = { es: ES, en: EN };

/** An English locale in LC_ALL / LC_MESSAGES / LANG (in that order, as gettext reads them) → English; else Spanish. */
export function langFromEnv(env: { LANG?: string; LC_ALL?: string; LC_MESSAGES?: string }): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^en(\b|_)/i.test(locale) ? 'en' : 'es';
}

/** `--lang es|en` (or `--lang=…`) wins over `fallback`; an unknown value is left for the argument check to refuse. */
export function pickLang(argv: string[], fallback: Lang): Lang {
  const i = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const flag = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  return flag === 'en' || flag === 'es' ? flag : fallback;
}
