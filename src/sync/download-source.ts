/**
 * What a download table sends to the ERP, read on our side: the `process.query` of seed 001 —
 * either the shorthand `parametros_maestros.tipo_campo=cuenta`, or a SELECT over the
 * parametros_maestros view. It runs in a READ ONLY transaction with the tenant set, so the view
 * shows that tenant's rows only, and may not name our tables directly.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export class DownloadQueryError extends Error {
  override readonly name = 'DownloadQueryError';
  readonly code = 'DOWNLOAD_QUERY_REFUSED';
}

const SHORTHAND = /^\s*parametros_maestros\.tipo_campo\s*=\s*([A-Za-z0-9_]+)\s*$/i;
const FORBIDDEN = /\b(sync_\w+|pgboss|pg_\w+|information_schema|kysely_\w+|current_setting|set_config|dblink|copy)\b|;/i;

export async function readDownloadRows(
  db: Kysely<Database>,
  o: { tenantId: string; query: string; offset: number; limit: number },
): Promise<Record<string, unknown>[]> {
  const short = SHORTHAND.exec(o.query);
  const select = short
    ? sql`select codigo, nombre, parametros_json, activo from parametros_maestros where tipo_campo = ${short[1]!.toLowerCase()} order by codigo`
    : (() => {
        if (!/^\s*(select|with)\b/i.test(o.query) || FORBIDDEN.test(o.query)) {
          throw new DownloadQueryError('process.query must be a single SELECT over parametros_maestros (or the parametros_maestros.tipo_campo=x shorthand)');
        }
        return sql.raw(o.query);
      })();
  return db.transaction().execute(async (trx) => {
    await sql`set transaction read only`.execute(trx);
    await sql`select set_config('app.tenant_id', ${o.tenantId}, true), set_config('statement_timeout', '30s', true)`.execute(trx);
    const r = await sql<Record<string, unknown>>`select * from (${select}) as q limit ${o.limit} offset ${o.offset}`.execute(trx);
    return r.rows;
  });
}
