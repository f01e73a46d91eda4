/**
 * The agent's user-facing text: Spanish by default (the users are in Argentina and Chile),
 * English with `--lang en` or an English locale (LANG / LC_ALL).
 */
export type Lang = 'es' | 'en';

const es = {
  usage: `ax-sync-client — agente de sincronización parse-sync

Uso:
  ax-sync-client init --url URL --tenant ID --key CLAVE [--encrypt off|on|strict] [--timezone ZONA] [--ca-file CA.pem]
  ax-sync-client test
  ax-sync-client sync [--upload-only | --download-only | --documents-only] [--table NOMBRE] [--full]
  ax-sync-client status
  ax-sync-client config show
  ax-sync-client schedule [--every MINUTOS]
  ax-sync-client --version | --help

Opciones comunes: --dir CARPETA (por defecto, la carpeta del ejecutable), --lang es|en
Contraseña de la configuración: variable SYNC_CONFIG_PASSWORD (o se pide en la terminal).
Códigos de salida: 0 correcto, 1 la ejecución falló o fue parcial, 2 uso o configuración.`,
  noPassword: 'Falta la contraseña de la configuración: defina SYNC_CONFIG_PASSWORD (o ejecute en una terminal para ingresarla).',
  askPassword: 'Contraseña de la configuración: ',
  noConfig: (f: string) => `No existe ${f}: ejecute primero "ax-sync-client init --url … --tenant … --key …".`,
  badPassword: (f: string) =>
    `No se pudo abrir ${f}: la contraseña es incorrecta o el archivo fue modificado. Verifique SYNC_CONFIG_PASSWORD o vuelva a ejecutar "init".`,
  badFile: (f: string) => `${f} no es un archivo de configuración válido (¿dañado o modificado?). Vuelva a ejecutar "init".`,
  initMissing: 'init necesita --url, --tenant y --key.',
  initBadUrl: (u: string) => `--url no es una URL http(s) válida: ${u}`,
  initRejected: (status: number) =>
    `El servidor rechazó la clave o el tenant (HTTP ${status}). Verifique --tenant y --key (la clave debe tener el alcance "agent").`,
  initUnreachable: (msg: string) => `No se pudo contactar al servidor: ${msg}. Verifique --url, la red o el proxy (HTTPS_PROXY).`,
  initDone: (f: string) => `Configuración guardada en ${f}. Siguiente paso: "ax-sync-client test".`,
  unknownCommand: (c: string) => `Comando desconocido: ${c}. Use --help.`,
  locked: (pid: string) => `Ya hay una sincronización en curso (proceso ${pid}); esta ejecución no hace nada.`,
  checkBackend: 'Servidor alcanzable',
  checkKey: 'Clave de API válida',
  checkLogin: 'Inicio de sesión en SQL Server',
  checkVersion: 'Versión de SQL Server',
  checkTls: 'Cifrado TLS hacia SQL Server',
  checkQuery: (t: string) => `Consulta de "${t}" preparada`,
  nextBackend: 'revise la URL, la red, el firewall o HTTPS_PROXY',
  nextKey: 'genere una clave con alcance "agent" y ejecute init de nuevo',
  nextLogin:
    'revise host, puerto, usuario y contraseña de SQL Server en la configuración del servidor, y que SQL Server acepte conexiones TCP',
  nextQuery: 'corrija la consulta en la configuración del servidor',
  tlsOn: 'sí',
  tlsOff: 'no (encrypt=off)',
  testOk: 'Todo correcto. Siguiente paso: "ax-sync-client sync" y luego "ax-sync-client schedule".',
  testFailed: 'Hay verificaciones fallidas: corrija lo indicado y vuelva a ejecutar "test".',
  uploadDone: (t: string, n: number, ins: number) => `Subida ${t}: ${n} filas leídas, ${ins} nuevas o modificadas`,
  downloadDone: (t: string, n: number, m: number) => `Bajada ${t}: ${n} filas cargadas, MERGE afectó ${m}`,
  tableFailed: (t: string, msg: string) => `Error en ${t}: ${msg}`,
  noTable: (t: string) => `La tabla "${t}" no está en la configuración.`,
  syncOk: 'Sincronización terminada.',
  syncFailed: 'La sincronización terminó con errores (ver logs/sync-error.log).',
  configUnreachable: 'Servidor no alcanzable: se usa la configuración guardada.',
  logsQueued: (n: number) => `${n} registros de log quedan en cola local hasta que el servidor responda.`,
  noRuns: 'Todavía no hubo sincronizaciones.',
  scheduleWindows: 'Para programar en Windows (cada N minutos, como SYSTEM), ejecute en una consola de administrador:',
  scheduleLinux: 'Para programar en Linux, cree estos dos archivos y active el timer:',
  progress: (t: string, n: number) => `  ${t}: ${n} filas enviadas…`,
  documentsDone: (w: number, e: number, f: number) =>
    `Documentos del Hub al ERP: ${w} escritos, ${e} ya estaban (confirmados con su id), ${f} con error`,
};

type Messages = typeof es;

const en: Messages = {
  usage: `ax-sync-client — parse-sync site agent

Usage:
  ax-sync-client init --url URL --tenant ID --key KEY [--encrypt off|on|strict] [--timezone ZONE] [--ca-file CA.pem]
  ax-sync-client test
  ax-sync-client sync [--upload-only | --download-only | --documents-only] [--table NAME] [--full]
  ax-sync-client status
  ax-sync-client config show
  ax-sync-client schedule [--every MINUTES]
  ax-sync-client --version | --help

Common options: --dir FOLDER (default: the executable's folder), --lang es|en
Configuration password: SYNC_CONFIG_PASSWORD (or asked for on a terminal).
Exit codes: 0 ok, 1 run failed or partial, 2 usage or configuration.`,
  noPassword: 'The configuration password is missing: set SYNC_CONFIG_PASSWORD (or run on a terminal to type it).',
  askPassword: 'Configuration password: ',
  noConfig: (f) => `${f} does not exist: run "ax-sync-client init --url … --tenant … --key …" first.`,
  badPassword: (f) => `Cannot open ${f}: the password is wrong or the file was modified. Check SYNC_CONFIG_PASSWORD or run "init" again.`,
  badFile: (f) => `${f} is not a valid configuration file (damaged or modified?). Run "init" again.`,
  initMissing: 'init needs --url, --tenant and --key.',
  initBadUrl: (u) => `--url is not a valid http(s) URL: ${u}`,
  initRejected: (status) =>
    `The server refused the key or the tenant (HTTP ${status}). Check --tenant and --key (the key needs the "agent" scope).`,
  initUnreachable: (msg) => `Cannot reach the server: ${msg}. Check --url, the network or the proxy (HTTPS_PROXY).`,
  initDone: (f) => `Configuration saved in ${f}. Next: "ax-sync-client test".`,
  unknownCommand: (c) => `Unknown command: ${c}. Use --help.`,
  locked: (pid) => `A sync is already running (process ${pid}); this run does nothing.`,
  checkBackend: 'Server reachable',
  checkKey: 'API key valid',
  checkLogin: 'SQL Server login',
  checkVersion: 'SQL Server version',
  checkTls: 'TLS to SQL Server',
  checkQuery: (t) => `Query of "${t}" prepared`,
  nextBackend: 'check the URL, the network, the firewall or HTTPS_PROXY',
  nextKey: 'create a key with the "agent" scope and run init again',
  nextLogin: 'check the SQL Server host, port, user and password in the server configuration, and that SQL Server accepts TCP connections',
  nextQuery: 'fix the query in the server configuration',
  tlsOn: 'yes',
  tlsOff: 'no (encrypt=off)',
  testOk: 'All good. Next: "ax-sync-client sync", then "ax-sync-client schedule".',
  testFailed: 'Some checks failed: fix what is shown and run "test" again.',
  uploadDone: (t, n, ins) => `Upload ${t}: ${n} rows read, ${ins} new or changed`,
  downloadDone: (t, n, m) => `Download ${t}: ${n} rows loaded, MERGE affected ${m}`,
  tableFailed: (t, msg) => `Error in ${t}: ${msg}`,
  noTable: (t) => `Table "${t}" is not in the configuration.`,
  syncOk: 'Sync finished.',
  syncFailed: 'The sync finished with errors (see logs/sync-error.log).',
  configUnreachable: 'Server unreachable: using the saved configuration.',
  logsQueued: (n) => `${n} log records stay in the local queue until the server answers.`,
  noRuns: 'No syncs yet.',
  scheduleWindows: 'To schedule on Windows (every N minutes, as SYSTEM), run in an administrator console:',
  scheduleLinux: 'To schedule on Linux, create these two files and enable the timer:',
  progress: (t, n) => `  ${t}: ${n} rows sent…`,
  documentsDone: (w, e, f) => `Hub documents to the ERP: ${w} written, ${e} already there (acknowledged with their id), ${f} failed`,
};

export function pickLang(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (flag === 'en' || flag === 'es') return flag;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^en/i.test(locale) ? 'en' : 'es';
}

export const messages = (lang: Lang): Messages => (lang === 'en' ? en : es);
export type { Messages };
