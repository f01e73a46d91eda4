/**
 * Concurrent leases of one stream (the Hub's GET /inbound/:entity, often many pollers at once) in
 * group commits: one reclaim and one UPDATE … SKIP LOCKED take the items for the whole group, which
 * are then dealt out in order, each caller its own `limit`. Same outcome as one after another;
 * a fraction of the statements and commits.
 */
import type { QueueEndpoint } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';
import { createGroupCommit } from './group-commit.ts';
import { dequeue, type DequeueOptions } from './lease.ts';

/** Rows one grouped lease takes at most (a request's own maximum, so a full-size request goes alone). */
const MAX_GROUP_ROWS = 1000;

interface LeaseCall {
  stream: { tenantId: string; destination: QueueEndpoint; entityType?: string };
  opts: DequeueOptions;
}
type Leased = Awaited<ReturnType<typeof dequeue>>;

export function createLeaseGroups(db: Executor) {
  const groups = createGroupCommit<LeaseCall, Leased>({
    inFlight: 2,
    take(waiting) {
      let rows = 0;
      const n = waiting.findIndex((c) => (rows += c.opts.limit) > MAX_GROUP_ROWS);
      return n === -1 ? waiting.length : n;
    },
    async write(group) {
      const { items, leaseExpiresAt } = await dequeue(db, group[0]!.stream, {
        ...group[0]!.opts,
        limit: group.reduce((a, c) => a + c.opts.limit, 0),
      });
      let at = 0;
      return group.map((c) => ({ status: 'fulfilled', value: { items: items.slice(at, (at += c.opts.limit)), leaseExpiresAt } }));
    },
  });
  return {
    dequeue(stream: LeaseCall['stream'], opts: DequeueOptions): Promise<Leased> {
      // Calls that would run the same statement with other limits share a group; anything else in the options keeps them apart.
      const key = JSON.stringify([
        stream.tenantId,
        stream.destination,
        stream.entityType ?? null,
        opts.leaseSeconds,
        opts.includeRetry ?? false,
      ]);
      return groups.submit(key, { stream, opts });
    },
  };
}
