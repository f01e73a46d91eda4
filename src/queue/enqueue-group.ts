/**
 * Single-item enqueues (the Hub's POST /outbound/:entity) in group commits per tenant: a POST cost
 * six statements (begin, locks, supersede, insert, pg-boss job, commit); a group of fifty costs the
 * same six. Each caller's promise settles only after its own item is committed (or failed).
 */
import type { Executor } from '../db/connect.ts';
import { enqueueMany, type EnqueueDeps, type EnqueueInput, type EnqueueResult } from './enqueue.ts';
import { createGroupCommit } from './group-commit.ts';

/** Items in one transaction at most: a bound on its duration and on the locks it holds. */
const MAX_GROUP = 200;

/** PostgreSQL's unique violation on the Idempotency-Key index: another transaction stored the key first. */
const isIdempotencyCollision = (err: unknown) => {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'sync_queue_idempotency_idx';
};

export function createEnqueueGroups(db: Executor, deps: EnqueueDeps) {
  const groups = createGroupCommit<EnqueueInput, EnqueueResult>({
    inFlight: 2,
    take: () => MAX_GROUP,
    async write(group) {
      // Set when the failure came from inside the transaction (rolled back, nothing written), not from its commit (outcome unknown).
      let rolledBack = false;
      try {
        const results = await db.transaction().execute((trx) =>
          enqueueMany(trx, deps, group).catch((err: unknown) => {
            rolledBack = true;
            throw err;
          }),
        );
        return results.map((value) => ({ status: 'fulfilled', value }));
      } catch (err) {
        if (!rolledBack || (group.length === 1 && !isIdempotencyCollision(err))) throw err;
      }
      // One item's fault (an Idempotency-Key reused with another body; two requests with one key,
      // which collide in the unique index) must not fail its neighbours: the group wrote nothing, so
      // each item goes alone, in order — the second of two same-key requests then finds the first.
      // Alone, an item whose key another transaction inserted meanwhile (the index waited for it to
      // commit) goes once more and finds that item.
      const alone = (input: EnqueueInput) =>
        enqueueMany(db, deps, [input]).catch((err: unknown) => {
          if (isIdempotencyCollision(err)) return enqueueMany(db, deps, [input]);
          throw err;
        });
      const settled: PromiseSettledResult<EnqueueResult>[] = [];
      for (const input of group) {
        settled.push(
          await alone(input).then(
            ([value]) => ({ status: 'fulfilled', value: value! }) as const,
            (reason: unknown) => ({ status: 'rejected', reason }) as const,
          ),
        );
      }
      return settled;
    },
  });
  return { enqueue: (input: EnqueueInput) => groups.submit(input.tenantId, input) };
}
