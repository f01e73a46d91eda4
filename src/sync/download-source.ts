/**
 * What a download table sends to the ERP, read on our side: the rows of its `process.query`
 * (parsed by download-query.ts, never run as text). The SQL is ours, built with Kysely: the view's
 * columns, bound literals, and `"tenantId" = $1` written here — the tenant is a parameter of the
 * query, not a setting the query could change.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { parseDownloadQuery, type DownloadQuery } from './download-query.ts';

export { DownloadQueryError } from './download-query.ts';

/** One page of the query's rows for `tenantId`, in a stable order (the query's, then codigo, id). */
export async function readDownloadRows(
  db: Kysely<Database>,
  o: { tenantId: string; query: unknown; offset: number; limit: number },
): Promise<Record<string, unknown>[]> {
  const q: DownloadQuery = parseDownloadQuery(o.query);
  let select = db
    .selectFrom('parametros_maestros')
    .select((eb) =>
      q.select.map((s) => ('json' in s ? sql<string>`${eb.ref('parametros_json')}->>${s.json}`.as(s.as) : eb.ref(s.column).as(s.as))),
    )
    .where('tenantId', '=', o.tenantId);
  for (const w of q.where) {
    select =
      'json' in w
        ? select.where(sql<boolean>`parametros_json->>${w.json} = ${String(w.value)}`)
        : select.where(w.column, '=', w.column === 'activo' ? Boolean(w.value) : String(w.value));
  }
  for (const ob of q.orderBy) select = select.orderBy(ob.column, ob.desc ? 'desc' : 'asc');
  try {
    return (await select.orderBy('codigo').orderBy('id').limit(o.limit).offset(o.offset).execute()) as Record<string, unknown>[];
  } catch (err) {
    const code = (err as { code?: string }).code;
    // The tenant pool's guard rails: statement_timeout (57014) or lock_timeout (55P03) ended the read.
    if (code === '57014' || code === '55P03')
      throw new DownloadTimeoutError(
        'the download query took longer than the tenant pool allows (TENANT_STATEMENT_TIMEOUT_MS / TENANT_LOCK_TIMEOUT_MS); retry later or narrow process.query',
        { cause: err },
      );
    throw err;
  }
}

export class DownloadTimeoutError extends Error {
  override readonly name = 'DownloadTimeoutError';
  readonly code = 'DOWNLOAD_TIMEOUT';
}
