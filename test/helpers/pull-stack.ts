/** What a pull test starts with: a test database, the ERP simulator as tenant `acme`'s ERP, pg-boss, and runPull's deps. */
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { silentLogger, startTestBoss } from './boss.ts';
import { createTestDatabase } from './db.ts';
import { simulatorTarget } from './erp-target.ts';
import { keyring, tenantWithErp } from './sync-fixture.ts';

export async function pullStack(t: Parameters<typeof createTestDatabase>[0], o: { batchSize?: number } = {}) {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  await tenantWithErp(db.db, erp);
  const boss = await startTestBoss(t, db.url);
  const registry = createErpRegistry({ db: db.db, keyring, destinations: { allowPrivate: true } });
  t.teardown(() => registry.closeAll());
  const deps = {
    db: db.db,
    queue: createSyncQueue({ boss }),
    boss,
    erp: registry,
    logger: silentLogger,
    ...(o.batchSize && { batchSize: o.batchSize }),
  };
  return { db, erp, boss, deps };
}
