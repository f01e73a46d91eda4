/**
 * Every `error.code` the API answers with, its HTTP status and what it means — in Spanish first,
 * for the people who read it. The OpenAPI document and docs/{es,en}/error-codes tables are
 * generated from this list (`make docs`), so it is stated once.
 */
export interface ErrorCodeDoc {
  status: number;
  es: string;
  en: string;
}

export const ERROR_CODES = {
  VALIDATION_FAILED: {
    status: 400,
    es: 'La solicitud no cumple el esquema; `details` nombra cada campo con su problema. No se guardó nada.',
    en: 'The request does not match the schema; `details` names each field and its problem. Nothing was stored.',
  },
  INVALID_JSON: { status: 400, es: 'El cuerpo no es JSON válido.', en: 'The body is not valid JSON.' },
  INVALID_BODY: {
    status: 400,
    es: 'El cuerpo no se pudo leer (longitud, codificación o compresión).',
    en: 'The body could not be read (length, encoding or compression).',
  },
  INVALID_UTF8: {
    status: 400,
    es: 'El cuerpo no es UTF-8 válido (también después de descomprimir gzip).',
    en: 'The body is not valid UTF-8 (also after gzip).',
  },
  BAD_REQUEST: { status: 400, es: 'La URL o los encabezados no son válidos.', en: 'The URL or headers are invalid.' },
  UNAUTHORIZED: {
    status: 401,
    es: 'Falta X-API-Key, o la clave no existe o fue revocada.',
    en: 'X-API-Key is missing, unknown or revoked.',
  },
  FORBIDDEN: {
    status: 403,
    es: 'La clave es válida pero su alcance (hub, agent, admin, viewer) no permite esta operación, o X-Tenant-Id no coincide, o un cambio hecho con la cookie de la consola no trae X-CSRF-Token y un origen propio.',
    en: 'The key is valid but its scope (hub, agent, admin, viewer) does not allow this, or X-Tenant-Id does not match, or a change made with the console cookie lacks X-CSRF-Token and a same-origin request.',
  },
  NOT_FOUND: {
    status: 404,
    es: 'No existe (o pertenece a otra empresa: no se distingue). Revise la entidad y el id.',
    en: 'Not found (or it belongs to another tenant: indistinguishable). Check the entity and the id.',
  },
  CONFLICT: {
    status: 409,
    es: 'El estado actual no permite la operación (p. ej. reintentar un ítem que no está FAILED ni DEAD).',
    en: 'The current state does not allow it (e.g. retrying an item that is neither FAILED nor DEAD).',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    es: 'Ese método no existe en esta ruta (p. ej. HEAD en la de arrendamiento).',
    en: 'That method does not exist on this route (e.g. HEAD on the lease route).',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    es: 'El cuerpo supera BODY_LIMIT_BYTES; envíe lotes más chicos.',
    en: 'The body exceeds BODY_LIMIT_BYTES; send smaller batches.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    es: 'Envíe Content-Type: application/json (gzip opcional).',
    en: 'Send Content-Type: application/json (gzip optional).',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    es: 'Ese Idempotency-Key ya se usó con otro contenido; `details` nombra el sync_id original. Use una clave nueva por documento.',
    en: 'That Idempotency-Key was used with a different body; `details` names the first sync_id. Use a new key per document.',
  },
  LIMIT_EXCEEDED: {
    status: 400,
    es: 'Supera un tope de la empresa (filas por subida, configuraciones, frecuencia del cron); el mensaje nombra la variable. 413 si es el tamaño de una subida.',
    en: 'Over a per-tenant cap (rows per upload, configurations, cron frequency); the message names the variable. 413 for the size of an upload.',
  },
  DOWNLOAD_QUERY_REFUSED: {
    status: 400,
    es: 'La consulta de una tabla de bajada no es de la forma admitida (docs/config.md); no se ejecutó nada.',
    en: 'A download table’s query is not of the accepted form (docs/config.md); nothing ran.',
  },
  TENANT_LIMIT: {
    status: 429,
    es: 'Esta empresa ya tiene el máximo de subidas, bajadas o corridas en curso; reintente tras Retry-After. Las demás empresas no se ven afectadas.',
    en: 'This tenant already has its maximum of uploads, downloads or runs in flight; retry after Retry-After. Other tenants are unaffected.',
  },
  RATE_LIMITED: {
    status: 429,
    es: 'Demasiadas solicitudes; espere lo que indica Retry-After y reintente.',
    en: 'Too many requests; wait for Retry-After and try again.',
  },
  INTERNAL: {
    status: 500,
    es: 'Error interno; informe el request_id de `details` al operador.',
    en: 'Internal error; give the operator the request_id in `details`.',
  },
  DOWNLOAD_TIMEOUT: {
    status: 503,
    es: 'La lectura de la bajada superó su tiempo (TENANT_STATEMENT_TIMEOUT_MS / TENANT_LOCK_TIMEOUT_MS); reintente más tarde.',
    en: 'The download read ran out of time (TENANT_STATEMENT_TIMEOUT_MS / TENANT_LOCK_TIMEOUT_MS); retry later.',
  },
  WORKER_GONE: {
    status: 503,
    es: 'Ningún worker escribió su latido a tiempo (WORKER_STALE_SECONDS): inicie o reinicie el worker; la cola espera, no se pierde nada.',
    en: 'No worker wrote its heartbeat in time (WORKER_STALE_SECONDS): start or restart the worker; the queue waits, nothing is lost.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    es: 'La base de datos no responde; el servicio se recupera solo, reintente más tarde.',
    en: 'The database does not answer; the service recovers by itself, retry later.',
  },
} satisfies Record<string, ErrorCodeDoc>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The table of docs/{es,en}/error-codes.md. */
export function errorCodeTable(lang: 'es' | 'en'): string {
  const head = lang === 'es' ? '| código | HTTP | qué significa y qué hacer |' : '| code | HTTP | what it means and what to do |';
  const rows = Object.entries(ERROR_CODES).map(([code, d]) => `| \`${code}\` | ${d.status} | ${(d as ErrorCodeDoc)[lang]} |`);
  return [head, '|---|---|---|', ...rows].join('\n');
}
