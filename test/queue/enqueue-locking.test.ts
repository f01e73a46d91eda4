/**
 * Issue 17: push queues do not NOTIFY (a notifying commit serialised every API enqueue on
 * PostgreSQL's notify lock), and a large batch locks its stream once instead of each record —
 * while coalescing stays exact against a concurrent single enqueue of the same record.
 */
import t from 'tap';
import { createTenant } from '../../src/db/tenants.ts';
import { STREAM_LOCK_MIN_ITEMS } from '../../src/queue/enqueue.ts';
import { ensureQueues, pushQueueName, PUSH_DESTINATIONS } from '../../src/queue/jobs.ts';
import { createSyncQueue, type EnqueueInput } from '../../src/queue/sync-queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { consistencyProblems, startTestBoss } from '../helpers/boss.ts';
import { heldTransaction, someoneWaitsOnALock } from '../helpers/held-transaction.ts';

const po = (entityId: string): EnqueueInput => ({
  tenantId: 'acme',
  source: 'HUB',
  destination: 'ERP',
  entityType: 'ORDEN_COMPRA',
  entityId,
  action: 'UPDATE',
  payload: { n: entityId },
});

t.test('enqueue locking', async (t) => {
  const { db, url } = await createTestDatabase(t);
  await createTenant(db, { id: 'acme', name: 'Acme' });
  const boss = await startTestBoss(t, url);
  const queue = createSyncQueue({ boss });

  t.test('push queues do not notify, also when an earlier version created them notifying', async (t) => {
    await boss.updateQueue(pushQueueName('ERP'), { notify: true });
    await ensureQueues(boss);
    for (const d of PUSH_DESTINATIONS) t.equal((await boss.getQueue(pushQueueName(d)))?.notify, false, `${d} queue`);
  });

  t.test('a large batch holds its stream: a single enqueue of one of its records waits, then supersedes it', async (t) => {
    const batch = Array.from({ length: STREAM_LOCK_MIN_ITEMS }, (_, i) => po(`L-${i}`));
    const big = heldTransaction(db, (trx) => queue.enqueueMany(trx, batch));
    await big.ran;
    const single = queue.enqueue(db, po('L-7'));
    // The single enqueue is blocked on the stream lock the batch holds.
    await someoneWaitsOnALock(db, 'the single enqueue to wait for the stream lock');
    big.commit();
    await big.done;
    const res = await single;
    t.equal(res.status, 'PENDING');
    const rows = await db.selectFrom('sync_queue').select(['id', 'status']).where('entity_id', '=', 'L-7').orderBy('created_at').execute();
    t.same(
      rows.map((r) => r.status),
      ['SUPERSEDED', 'PENDING'],
      'the batch item is superseded by the later single one',
    );
    t.equal(rows[1]!.id, res.id);
    t.same(await consistencyProblems(db), [], 'rows and jobs agree');
  });
});
