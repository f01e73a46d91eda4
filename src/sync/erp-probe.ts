/**
 * Issue 15: the deep connection test. Each step is a check with a verdict and, when it fails, the
 * next step in plain words for the operator (Spanish first, English on request). Nothing is written
 * on the ERP: reads are wrapped so no row comes back, writes run in a transaction that is rolled back.
 */
import { connect as tcpConnect } from 'node:net';
import { acceptedPhase, type StoredQueries } from './entity-config.ts';
import { createErpPool, type ErpConnectionOptions, type ErpPool } from '../erp/erp-pool.ts';
import type { ErpParams } from '../erp/erp-params.ts';

export type ProbeLang = 'es' | 'en';
/** ok: passed; fail: blocks syncing; warn: could not be confirmed or worth a look; skip: not applicable. */
export type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip';

export interface ProbeCheck {
  id: string;
  status: CheckStatus;
  title: string;
  detail: string;
  /** What to do next; empty when nothing needs doing. */
  next_step: string;
}

export interface ProbeReport {
  ok: boolean;
  checks: ProbeCheck[];
}

/** A configured entity to dry-run: its name (for the titles) and its queries. */
export interface ProbeEntity {
  entityType: string;
  queries: StoredQueries;
}

const READS = ['select_all', 'select_since', 'find_existing'] as const;
const WRITES = ['insert', 'insert_item', 'update'] as const;
/** SQL Server errors raised by the data (NULL in a NOT NULL column, a foreign key…), not by the statement: it compiled and ran. */
const DATA_ERRORS = new Set([515, 547, 2601, 2627, 245, 8114, 8115, 8152, 2628]);
/** Permission denied on an object, a database or a schema. */
const PERMISSION_ERRORS = new Set([229, 230, 262, 297, 300, 916]);
const PROBE_CONNECT_TIMEOUT_MS = 10_000;
const PROBE_REQUEST_TIMEOUT_MS = 30_000;

type Msg = Record<ProbeLang, string>;
const t = (m: Msg, lang: ProbeLang) => m[lang];

const TEXT = {
  tcp: { es: 'Conexión TCP al servidor', en: 'TCP connection to the server' },
  tcpFail: {
    es: 'No se pudo abrir la conexión: verifique el host y el puerto, que SQL Server acepte conexiones TCP y que ningún firewall bloquee el puerto.',
    en: 'The connection could not be opened: check host and port, that SQL Server accepts TCP connections and that no firewall blocks the port.',
  },
  tcpInstance: {
    es: 'Instancia con nombre: el puerto lo resuelve SQL Browser (UDP 1434).',
    en: 'Named instance: SQL Browser (UDP 1434) resolves the port.',
  },
  tls: { es: 'Cifrado TLS', en: 'TLS encryption' },
  tlsOff: {
    es: 'La conexión no está cifrada (encrypt=off): la contraseña y los datos viajan en claro. Active encrypt=on o strict.',
    en: 'The connection is not encrypted (encrypt=off): password and data travel in clear. Turn encrypt on or strict.',
  },
  tlsFail: {
    es: 'No se pudo negociar TLS: si el servidor usa un certificado propio, active "confiar en el certificado" o cargue el certificado; si no admite cifrado, use encrypt=off sólo en una red privada.',
    en: 'TLS could not be negotiated: with a self-signed certificate turn on "trust server certificate" or provide the certificate; without encryption support use encrypt=off on a private network only.',
  },
  login: { es: 'Inicio de sesión', en: 'Login' },
  loginWrong: {
    es: 'La contraseña o el usuario son incorrectos: vuelva a cargarlos.',
    en: 'The password or user is wrong: set them again.',
  },
  loginDb: {
    es: 'El usuario no puede abrir la base de datos indicada: verifique el nombre de la base y que el usuario tenga acceso a ella.',
    en: 'The user cannot open the database: check its name and that the user has access to it.',
  },
  loginOther: { es: 'Revise los datos de la conexión y vuelva a probar.', en: 'Check the connection settings and try again.' },
  version: { es: 'Versión y edición del servidor', en: 'Server version and edition' },
  collation: { es: 'Intercalación / página de códigos', en: 'Collation / code page' },
  collationWarn: {
    es: 'La base no usa la página de códigos 1252: verifique que los acentos y la ñ lleguen bien en la primera sincronización.',
    en: 'The database does not use code page 1252: check that accents and ñ arrive intact on the first sync.',
  },
  tracking: { es: 'Change Tracking / aislamiento snapshot', en: 'Change Tracking / snapshot isolation' },
  trackingUnknown: {
    es: 'No se pudo consultar sys.databases: sin permiso VIEW DATABASE STATE el estado queda sin confirmar (no impide sincronizar por fecha de modificación).',
    en: 'sys.databases could not be read: without VIEW DATABASE STATE this stays unconfirmed (syncing by modification date still works).',
  },
  permissions: { es: 'Permisos que necesitan las consultas', en: 'Permissions the queries need' },
  permissionsFail: {
    es: 'Al usuario le faltan permisos: pida al administrador de SQL Server que le otorgue SELECT (lecturas) e INSERT/UPDATE (escrituras) sobre las tablas indicadas.',
    en: 'The user lacks permissions: ask the SQL Server administrator to grant SELECT (reads) and INSERT/UPDATE (writes) on the tables named.',
  },
  dryRead: { es: 'Prueba en seco (lectura)', en: 'Dry run (read)' },
  dryWrite: { es: 'Prueba en seco (escritura, revertida)', en: 'Dry run (write, rolled back)' },
  dryFail: {
    es: 'La consulta falla en el ERP: corrija el SQL de la configuración (nombres de tabla y columna) y vuelva a validar.',
    en: 'The query fails on the ERP: fix the configuration SQL (table and column names) and validate again.',
  },
  dryData: {
    es: 'La sentencia compila y tiene permisos; con valores de prueba vacíos el ERP rechazó la fila, lo cual es esperable.',
    en: 'The statement compiles and is permitted; with empty test values the ERP rejected the row, which is expected.',
  },
  merge: {
    es: 'MERGE de descarga: se prueba en la primera descarga (necesita la tabla temporal).',
    en: 'Download MERGE: checked on the first download (it needs the temporary table).',
  },
  notReached: { es: 'No se probó: falló un paso anterior.', en: 'Not tried: an earlier step failed.' },
} satisfies Record<string, Msg>;

interface ErrLike {
  number?: number;
  code?: string;
  message?: string;
  details?: { number?: number; driverCode?: string };
  cause?: unknown;
}
const errNumber = (e: unknown): number | undefined => (e as ErrLike)?.number ?? (e as ErrLike)?.details?.number;
/** The ERP's message without the password (tedious never puts it there; the simulator neither) — trimmed for display. */
const errText = (e: unknown): string => String((e as ErrLike)?.message ?? e).slice(0, 500);

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    const done = (err?: string) => {
      s.destroy();
      resolve(err);
    };
    s.setTimeout(timeoutMs, () => done(`timeout after ${timeoutMs} ms`));
    s.once('connect', () => done());
    s.once('error', (e) => done(e.message));
  });
}

/** Bind every `@name` of a statement: the cursor as a real date, the rest NULL (dry runs need no real values). */
export function dryRunParams(sqlText: string): ErpParams {
  const params: ErpParams = {};
  for (const m of sqlText.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1]!;
    if (name.startsWith('@') || params[name] !== undefined) continue;
    params[name] = /^lastSync$/i.test(name)
      ? { type: 'datetime2', value: new Date(Date.UTC(1900, 0, 1)) }
      : { type: 'nvarchar', value: null };
  }
  return params;
}

/** `SELECT … ORDER BY …` as a derived table that returns no row (ORDER BY is not allowed there, and pointless). */
function noRowsWrapper(select: string): string {
  const body = select
    .trim()
    .replace(/;\s*$/, '')
    .replace(/\s+ORDER\s+BY\s+[^()]*$/i, '');
  return `SELECT * FROM (${body}) AS dry_run WHERE 1 = 0`;
}

class Rollback extends Error {}

async function dryRun(pool: ErpPool, run: { kind: 'read' | 'write'; sql: string; name: string }): Promise<{ error?: unknown }> {
  const { kind, sql: sqlText, name } = run;
  let reached = false;
  try {
    await pool.transaction(async (tx) => {
      if (kind === 'read') for await (const _ of tx.query(noRowsWrapper(sqlText), dryRunParams(sqlText), { name })) break;
      else await tx.execute(sqlText, dryRunParams(sqlText), { name });
      reached = true;
      throw new Rollback('dry run: roll back');
    });
    return {};
  } catch (e) {
    return reached ? {} : { error: e };
  }
}

/** Runs the checks in order; a failed connection step marks the ones after it as not tried. */
export async function probeErpConnection(opts: {
  connection: ErpConnectionOptions;
  entities: ProbeEntity[];
  lang: ProbeLang;
  onlyDryRun?: boolean;
}): Promise<ProbeReport> {
  const { lang } = opts;
  const o: ErpConnectionOptions = {
    ...opts.connection,
    connectTimeoutMs: Math.min(opts.connection.connectTimeoutMs ?? PROBE_CONNECT_TIMEOUT_MS, PROBE_CONNECT_TIMEOUT_MS),
    requestTimeoutMs: PROBE_REQUEST_TIMEOUT_MS,
    pool: { min: 0, max: 1 },
  };
  const checks: ProbeCheck[] = [];
  const add = (id: string, status: CheckStatus, title: Msg | string, detail: string, next: Msg | '' = '') =>
    checks.push({ id, status, title: typeof title === 'string' ? title : t(title, lang), detail, next_step: next ? t(next, lang) : '' });
  const notReached = (ids: [string, Msg][]) => ids.forEach(([id, title]) => add(id, 'skip', title, t(TEXT.notReached, lang)));

  if (!opts.onlyDryRun) {
    if (o.instanceName) add('tcp', 'skip', TEXT.tcp, t(TEXT.tcpInstance, lang));
    else {
      const port = o.port ?? 1433;
      const err = await tcpReachable(o.host, port, o.connectTimeoutMs!);
      if (err) {
        add('tcp', 'fail', TEXT.tcp, `${o.host}:${port} — ${err}`, TEXT.tcpFail);
        notReached([
          ['tls', TEXT.tls],
          ['login', TEXT.login],
        ]);
        return { ok: false, checks };
      }
      add('tcp', 'ok', TEXT.tcp, `${o.host}:${port}`);
    }
  }

  const pool = createErpPool(o);
  try {
    // Login (and TLS, negotiated before it): one connection held by a transaction, to read its session facts.
    let codepage: string | undefined;
    let collationName: string | undefined;
    try {
      await pool.transaction(async (tx) => {
        const c = (tx.connection as unknown as { databaseCollation?: { codepage?: string; lcid?: number } }).databaseCollation;
        codepage = c?.codepage;
        collationName = c?.lcid !== undefined ? `LCID ${c.lcid}` : undefined;
        throw new Rollback('probe: nothing to commit');
      });
    } catch (e) {
      if (!(e instanceof Rollback) && !String((e as ErrLike).message).includes('probe: nothing to commit')) {
        const n = errNumber(e);
        const text = errText(e);
        const tlsProblem = /tls|ssl|certificate|self[- ]signed|handshake|encrypt/i.test(text);
        if (tlsProblem) {
          add('tls', 'fail', TEXT.tls, text, TEXT.tlsFail);
          notReached([['login', TEXT.login]]);
        } else {
          if (!opts.onlyDryRun)
            add(
              'tls',
              o.encrypt === 'off' ? 'warn' : 'skip',
              TEXT.tls,
              o.encrypt === 'off' ? `encrypt=off` : t(TEXT.notReached, lang),
              o.encrypt === 'off' ? TEXT.tlsOff : '',
            );
          add(
            'login',
            'fail',
            TEXT.login,
            n !== undefined ? `SQL Server ${n}: ${text}` : text,
            n === 18456 ? TEXT.loginWrong : n === 4060 ? TEXT.loginDb : TEXT.loginOther,
          );
        }
        return { ok: false, checks };
      }
    }
    if (!opts.onlyDryRun) {
      add(
        'tls',
        o.encrypt === 'off' ? 'warn' : 'ok',
        TEXT.tls,
        `encrypt=${o.encrypt}${o.encrypt !== 'off' && o.trustServerCertificate ? ', trustServerCertificate' : ''}`,
        o.encrypt === 'off' ? TEXT.tlsOff : '',
      );
      add('login', 'ok', TEXT.login, `${o.user} @ ${o.database}`);
      try {
        const r = await pool.execute(
          "SELECT @@VERSION AS version, SERVERPROPERTY('ProductVersion') AS product_version, SERVERPROPERTY('Edition') AS edition",
          {},
          { name: 'probe_version' },
        );
        const row = r.rows[0] ?? {};
        add(
          'version',
          'ok',
          TEXT.version,
          `${String(row.product_version ?? '?')} — ${String(row.edition ?? '?')} (${String(row.version ?? '').split('\n')[0]})`,
        );
      } catch (e) {
        add('version', 'warn', TEXT.version, errText(e));
      }
      add(
        'collation',
        codepage === undefined || /1252/.test(codepage) ? 'ok' : 'warn',
        TEXT.collation,
        [collationName, codepage].filter(Boolean).join(', ') || '?',
        codepage && !/1252/.test(codepage) ? TEXT.collationWarn : '',
      );
      try {
        const r = await pool.execute(
          'SELECT d.snapshot_isolation_state_desc AS snapshot, d.is_read_committed_snapshot_on AS rcsi, CASE WHEN ct.database_id IS NULL THEN 0 ELSE 1 END AS change_tracking FROM sys.databases d LEFT JOIN sys.change_tracking_databases ct ON ct.database_id = d.database_id WHERE d.name = DB_NAME()',
          {},
          { name: 'probe_tracking' },
        );
        const row = r.rows[0] ?? {};
        add(
          'tracking',
          'ok',
          TEXT.tracking,
          `Change Tracking: ${row.change_tracking ? 'ON' : 'OFF'}; snapshot: ${String(row.snapshot ?? '?')}; RCSI: ${row.rcsi ? 'ON' : 'OFF'}`,
        );
      } catch (e) {
        add('tracking', 'warn', TEXT.tracking, errText(e), TEXT.trackingUnknown);
      }
    }

    const denied: string[] = [];
    for (const ent of opts.entities) {
      const q = ent.queries;
      const runs: { name: string; kind: 'read' | 'write'; sql: string }[] = [
        ...READS.filter((n) => q[n]).map((n) => ({ name: n, kind: 'read' as const, sql: q[n]! })),
        ...WRITES.filter((n) => q[n]).map((n) => ({ name: n, kind: 'write' as const, sql: q[n]! })),
        ...(['pre_process', 'post_process'] as const).flatMap((n) => {
          const phase = acceptedPhase(ent, n);
          return phase?.run_on === 'erp' ? [{ name: n, kind: 'write' as const, sql: phase.sql }] : [];
        }),
      ];
      for (const run of runs) {
        const id = `dry_run:${ent.entityType}:${run.name}`;
        const title = `${t(run.kind === 'read' ? TEXT.dryRead : TEXT.dryWrite, lang)}: ${ent.entityType}.${run.name}`;
        const { error } = await dryRun(pool, run);
        const n = errNumber(error);
        if (!error) add(id, 'ok', title, '');
        else if (n !== undefined && DATA_ERRORS.has(n)) add(id, 'ok', title, `SQL Server ${n}: ${t(TEXT.dryData, lang)}`);
        else if (n !== undefined && PERMISSION_ERRORS.has(n)) {
          denied.push(`${ent.entityType}.${run.name}`);
          add(id, 'fail', title, `SQL Server ${n}: ${errText(error)}`, TEXT.permissionsFail);
        } else add(id, 'fail', title, n !== undefined ? `SQL Server ${n}: ${errText(error)}` : errText(error), TEXT.dryFail);
      }
      if (q.merge)
        add(`dry_run:${ent.entityType}:merge`, 'skip', `${t(TEXT.dryWrite, lang)}: ${ent.entityType}.merge`, t(TEXT.merge, lang));
    }
    if (opts.entities.length > 0)
      add('permissions', denied.length ? 'fail' : 'ok', TEXT.permissions, denied.join(', '), denied.length ? TEXT.permissionsFail : '');
    return { ok: checks.every((c) => c.status !== 'fail'), checks };
  } finally {
    await pool.drain();
  }
}

/** `Accept-Language: en…` → English; anything else → Spanish (the operators' language). */
export function probeLang(acceptLanguage: string | undefined): ProbeLang {
  return acceptLanguage && /^\s*en\b/i.test(acceptLanguage) ? 'en' : 'es';
}
