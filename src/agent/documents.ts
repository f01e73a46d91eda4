/**
 * Hub → ERP documents for tenants in mode = agent: lease them from the backend, write each with
 * the worker's own transaction (find_existing, else header + lines: sync/push-erp.ts), then
 * acknowledge with the ERP id or SQL Server's error. Exactly once across crashes: a run that dies
 * after the ERP commit and before the ack leaves the lease to expire; the next run leases the same
 * document, find_existing finds it, and it is acknowledged with the existing id.
 */
import { classifyErpError } from '../erp/erp-errors.ts';
import type { ErpPool } from '../erp/erp-pool.ts';
import { writeErpDocument } from '../sync/push-erp.ts';
import type { Backend, DocumentAck } from './backend.ts';

/** Documents per lease, and how long the backend waits for their acknowledgement before leasing them again. */
const LEASE = { limit: 20, leaseSeconds: 300 };

export interface DocumentsResult {
  written: number;
  existing: number;
  failed: number;
  errors: string[];
}

export async function deliverDocuments(deps: {
  pool: Pick<ErpPool, 'transaction'>;
  backend: Backend;
  /** Runs right after each ERP commit, before the acknowledgement (tests use it to die there). */
  afterCommit?: () => void;
}): Promise<DocumentsResult> {
  const out: DocumentsResult = { written: 0, existing: 0, failed: 0, errors: [] };
  const seen = new Set<string>();
  for (;;) {
    const { items } = await deps.backend.leaseDocuments(LEASE);
    // A document leased again in the same run (its ack was lost) is left for the next run.
    const fresh = items.filter((i) => !seen.has(i.sync_id));
    if (fresh.length === 0) return out;
    const acks: DocumentAck[] = [];
    for (const item of fresh) {
      seen.add(item.sync_id);
      try {
        const d = item.document;
        const w = await writeErpDocument(deps.pool, {
          entityType: item.entity_type,
          action: d.action,
          queries: d.queries,
          header: d.header,
          items: d.items,
          sentLines: d.sent_lines,
        });
        deps.afterCommit?.();
        if (w.existed) out.existing++;
        else out.written++;
        acks.push({
          sync_id: item.sync_id,
          erp_id: w.id,
          already_existed: w.existed,
          updated: w.updated,
          lines: w.lines,
          deleted: w.deleted,
        });
      } catch (err) {
        const e = classifyErpError(err);
        out.failed++;
        out.errors.push(`${item.entity_type} ${item.entity_id}: ${e.message}`);
        acks.push({
          sync_id: item.sync_id,
          error: {
            ...('number' in e && e.number !== undefined ? { number: e.number } : {}),
            message: e.message.slice(0, 4000),
            retryable: e.retryable,
          },
        });
      }
    }
    await deps.backend.ackDocuments(acks);
  }
}
