/**
 * Hub → ERP: the worker's handler for every ERP-bound item. In ONE ERP transaction:
 * find_existing (found → that document is the one, nothing inserted), else the header `insert`
 * (its OUTPUT gives the ERP id) and one `insert_item` per line with @header_id. Then the ERP id
 * is stored on sync_queue (by the worker) and on sync_data (here, in the batch transaction).
 */
import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { findEntityConfig } from '../db/entity-configs.ts';
import type { EntityConfigRow, QueueRow } from '../db/schema.ts';
import { findTenant } from '../db/tenants.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { ErpParams } from '../erp/erp-params.ts';
import type { ErpPool } from '../erp/erp-pool.ts';
import { PermanentError } from '../queue/errors.ts';
import type { PushContext, PushResult } from '../queue/push-worker.ts';
import { payloadHash } from './canonical-json.ts';
import type { FieldMapping, Queries, TransformRule } from './entity-config-schema.ts';
import { applyTransforms, mapHubToErp, type Row } from './transforms.ts';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,100}$/;

function params(row: Row): ErpParams {
  const out: ErpParams = {};
  for (const [k, v] of Object.entries(row)) {
    if (!PARAM_NAME.test(k)) throw new PermanentError(`mapped field '${k}' is not a valid SQL parameter name`);
    out[k] = v;
  }
  return out;
}

const nulls = (mapping: Record<string, string> | undefined): Row => Object.fromEntries(Object.values(mapping ?? {}).map((target) => [target, null]));

const firstValue = (rows: Row[]) => {
  const v = rows[0] ? Object.values(rows[0])[0] : undefined;
  return v === undefined || v === null ? undefined : String(v);
};

/** What one Hub document becomes for the ERP: the configured statements and the bound values. */
export interface ErpDocument {
  entityType: string;
  queries: Pick<Queries, 'find_existing' | 'insert' | 'insert_item'>;
  header: Row;
  items: Row[];
}

/** Maps and transforms a queued Hub document into what the ERP transaction binds (PermanentError when it cannot). */
export async function prepareErpDocument(db: Executor, item: QueueRow): Promise<{ config: EntityConfigRow; document: ErpDocument }> {
  const config = await findEntityConfig(db, item.tenant_id, item.entity_type, 'OUT');
  if (!config) throw new PermanentError(`${item.entity_type} is not configured for outbound sync (tenant ${item.tenant_id})`);
  const q = config.queries as Queries;
  if (item.action === 'DELETE') throw new PermanentError(`${item.entity_type}: the ERP does not accept deletions from the Hub (no delete statement configured)`);
  if (!q.insert) throw new PermanentError(`${item.entity_type} has no insert statement configured`);
  const tz = (await findTenant(db, item.tenant_id))?.timezone ?? 'UTC';
  const mapping = config.field_mapping as FieldMapping;
  const { header: mapped, items: lines } = mapHubToErp(item.payload as Row, mapping);
  // Every mapped parameter is bound, NULL when the Hub did not send it: SQL naming @x must find @x.
  const header = { ...nulls(mapping.hub_to_erp), ...applyTransforms(mapped, config.transform_rules as TransformRule[], { timeZone: tz }) };
  const items = lines.map((l) => ({ ...nulls(mapping.items?.mapping), ...l }));
  const queries = { find_existing: q.find_existing, insert: q.insert, insert_item: q.insert_item };
  return { config, document: { entityType: item.entity_type, queries, header, items } };
}

/**
 * The ERP side, in ONE ERP transaction: find_existing (found → that document is the one, nothing
 * inserted), else header + lines. Run by the worker and by the on-site agent (mode = agent), so a
 * retry after a crash between the ERP commit and the acknowledgement finds the document instead
 * of writing a second one.
 */
export async function writeErpDocument(pool: Pick<ErpPool, 'transaction'>, doc: ErpDocument): Promise<{ id: string; existed: boolean; lines: number }> {
  const q = doc.queries;
  return pool.transaction(async (tx) => {
    if (q.find_existing) {
      const existing = firstValue((await tx.execute(q.find_existing, params(doc.header), { name: 'find_existing' })).rows);
      if (existing) return { id: existing, existed: true, lines: 0 };
    }
    if (!q.insert) throw new PermanentError(`${doc.entityType} has no insert statement configured`);
    const id = firstValue((await tx.execute(q.insert, params(doc.header), { name: 'insert' })).rows);
    if (!id) throw new PermanentError(`${doc.entityType}: the insert statement returned no id (add OUTPUT INSERTED.<id>)`);
    if (doc.items.length && !q.insert_item) throw new PermanentError(`${doc.entityType} has lines but no insert_item statement`);
    for (const [n, line] of doc.items.entries()) {
      await tx.execute(q.insert_item!, params({ ...line, renglon: line.renglon ?? n + 1, header_id: id }), { name: 'insert_item' });
    }
    return { id, existed: false, lines: doc.items.length };
  });
}

/** Records the delivered document in sync_data with its ERP id (in the caller's transaction). */
export async function recordErpSync(db: Executor, item: QueueRow, config: Pick<EntityConfigRow, 'id' | 'erp_type'>, externalId: string): Promise<void> {
  await sql`
    insert into sync_data (tenant_id, config_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction, status, external_id, synced_at)
    values (${item.tenant_id}, ${config.id}, ${item.entity_type}, ${config.erp_type}, ${item.entity_id}, ${JSON.stringify(item.payload)}::jsonb,
            ${payloadHash(item.payload)}, 'OUT', 'SYNCED', ${externalId}, now())
    on conflict (tenant_id, entity_type, erp_type, entity_id) do update
       set payload = excluded.payload, payload_hash = excluded.payload_hash, external_id = excluded.external_id, status = 'SYNCED',
           version = sync_data.version + (case when sync_data.payload_hash = excluded.payload_hash then 0 else 1 end), synced_at = now(), updated_at = now()`.execute(db);
}

export function createErpPushHandler(deps: { db: Executor; erp: ErpRegistry }) {
  return async (item: QueueRow, ctx: PushContext): Promise<PushResult> => {
    const db = ctx.trx ?? deps.db;
    const { config, document } = await prepareErpDocument(db, item);
    const pool = await deps.erp.forTenant(item.tenant_id, config.erp_type);
    const written = await writeErpDocument(pool, document);
    await recordErpSync(db, item, config, written.id);
    return { externalId: written.id, response: { erp_id: written.id, already_existed: written.existed, lines: written.lines } };
  };
}
