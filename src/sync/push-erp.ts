/**
 * Hub → ERP: the worker's handler for every ERP-bound item. In ONE ERP transaction:
 * find_existing (found → that document is the one, nothing inserted), else the header `insert`
 * (its OUTPUT gives the ERP id) and one `insert_item` per line with @header_id. Then the ERP id
 * is stored on sync_queue (by the worker) and on sync_data (here, in the batch transaction).
 */
import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { findEntityConfig } from '../db/entity-configs.ts';
import type { QueueRow } from '../db/schema.ts';
import { findTenant } from '../db/tenants.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { ErpParams } from '../erp/erp-params.ts';
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

export function createErpPushHandler(deps: { db: Executor; erp: ErpRegistry }) {
  return async (item: QueueRow, ctx: PushContext): Promise<PushResult> => {
    const db = ctx.trx ?? deps.db;
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
    const pool = await deps.erp.forTenant(item.tenant_id, config.erp_type);

    const written = await pool.transaction(async (tx) => {
      if (q.find_existing) {
        const existing = firstValue((await tx.execute(q.find_existing, params(header), { name: 'find_existing' })).rows);
        if (existing) return { id: existing, existed: true, lines: 0 };
      }
      const id = firstValue((await tx.execute(q.insert!, params(header), { name: 'insert' })).rows);
      if (!id) throw new PermanentError(`${item.entity_type}: the insert statement returned no id (add OUTPUT INSERTED.<id>)`);
      if (items.length && !q.insert_item) throw new PermanentError(`${item.entity_type} has lines but no insert_item statement`);
      for (const [n, line] of items.entries()) {
        await tx.execute(q.insert_item!, params({ ...line, renglon: line.renglon ?? n + 1, header_id: id }), { name: 'insert_item' });
      }
      return { id, existed: false, lines: items.length };
    });

    await sql`
      insert into sync_data (tenant_id, config_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction, status, external_id, synced_at)
      values (${item.tenant_id}, ${config.id}, ${item.entity_type}, ${config.erp_type}, ${item.entity_id}, ${JSON.stringify(item.payload)}::jsonb,
              ${payloadHash(item.payload)}, 'OUT', 'SYNCED', ${written.id}, now())
      on conflict (tenant_id, entity_type, erp_type, entity_id) do update
         set payload = excluded.payload, payload_hash = excluded.payload_hash, external_id = excluded.external_id, status = 'SYNCED',
             version = sync_data.version + (case when sync_data.payload_hash = excluded.payload_hash then 0 else 1 end), synced_at = now(), updated_at = now()`.execute(db);
    return { externalId: written.id, response: { erp_id: written.id, already_existed: written.existed, lines: written.lines } };
  };
}
