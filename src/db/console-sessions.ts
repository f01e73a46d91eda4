/** Console sessions (issue 15 §4): rows keyed by the token's SHA-256; the raw token lives only in the cookie. */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import type { ApiScope } from './schema.ts';

export interface ConsoleSessionKey {
  keyId: string;
  tenantId: string;
  scopes: ApiScope[];
  keyPrefix: string;
  /** When the row was last refreshed (idle expiry is pushed at most once a minute). */
  lastSeenAt: Date;
}

export async function insertConsoleSession(
  db: Executor,
  s: { tokenHash: string; keyId: string; tenantId: string; idleSeconds: number },
): Promise<void> {
  await db
    .insertInto('sync_console_session')
    .values({
      token_hash: s.tokenHash,
      key_id: s.keyId,
      tenant_id: s.tenantId,
      expires_at: sql<Date>`now() + make_interval(secs => ${s.idleSeconds})`,
    })
    .execute();
}

/** The live session's key: not expired, and its key not revoked (a revoked key ends its sessions at once). */
export async function findConsoleSession(db: Executor, tokenHash: string): Promise<ConsoleSessionKey | undefined> {
  const row = await db
    .selectFrom('sync_console_session as s')
    .innerJoin('sync_api_key as k', 'k.id', 's.key_id')
    .select(['k.id', 'k.tenant_id', 'k.scopes', 'k.prefix', 's.last_seen_at'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  return row && { keyId: row.id, tenantId: row.tenant_id, scopes: row.scopes, keyPrefix: row.prefix, lastSeenAt: row.last_seen_at };
}

/** Slides the idle expiry forward. */
export async function touchConsoleSession(db: Executor, tokenHash: string, idleSeconds: number): Promise<void> {
  await db
    .updateTable('sync_console_session')
    .set({ last_seen_at: sql<Date>`now()`, expires_at: sql<Date>`now() + make_interval(secs => ${idleSeconds})` })
    .where('token_hash', '=', tokenHash)
    .execute();
}

export async function deleteConsoleSession(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('sync_console_session').where('token_hash', '=', tokenHash).execute();
}

/** Expired rows go at each login, so the table stays as small as the number of live sessions. */
export async function deleteExpiredConsoleSessions(db: Executor): Promise<void> {
  await db
    .deleteFrom('sync_console_session')
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
}
