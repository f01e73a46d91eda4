/** What each site agent (one agent key) last did: the server records it as the agent calls its routes. */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

export type AgentCall = 'config' | 'upload' | 'download' | 'other';

export async function recordAgentActivity(
  db: Executor,
  a: { tenantId: string; keyId: string; version: string | null; call: AgentCall },
): Promise<void> {
  const now = sql<Date>`now()`;
  await db
    .insertInto('sync_agent_activity')
    .values({
      tenant_id: a.tenantId,
      key_id: a.keyId,
      version: a.version,
      last_upload_at: a.call === 'upload' ? now : null,
      last_download_at: a.call === 'download' ? now : null,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'key_id']).doUpdateSet((eb) => ({
        last_seen_at: now,
        version: eb.fn.coalesce('excluded.version', 'sync_agent_activity.version'),
        last_upload_at: a.call === 'upload' ? now : eb.ref('sync_agent_activity.last_upload_at'),
        last_download_at: a.call === 'download' ? now : eb.ref('sync_agent_activity.last_download_at'),
      })),
    )
    .execute();
}

/** The tenant's agents, most recently seen first, with their key's display prefix. */
export async function listAgentActivity(db: Executor, tenantId: string) {
  return db
    .selectFrom('sync_agent_activity as a')
    .innerJoin('sync_api_key as k', 'k.id', 'a.key_id')
    .select(['k.prefix', 'k.revoked_at', 'a.last_seen_at', 'a.version', 'a.last_upload_at', 'a.last_download_at'])
    .where('a.tenant_id', '=', tenantId)
    .orderBy('a.last_seen_at', 'desc')
    .execute();
}
