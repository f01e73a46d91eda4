/**
 * Queue throughput: 100 000 items through sync_queue (enqueue in batches, then processed end to
 * end by the push worker with a no-op handler), beside raw pg-boss insert + fetch/complete of
 * 100 000 jobs with the same batch size, in the same run: three rounds, each baseline just before
 * ours, and the median of each.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { sql } from 'kysely';
import pino from 'pino';
import type { BenchContext } from './run.ts';
import { figure, median, type BenchFigure } from './results.ts';
import { procDelta, procStats } from './proc-stats.ts';
import { createDb } from '../src/db/connect.ts';
import { createTenant } from '../src/db/tenants.ts';
import { stageTimings } from '../src/core/stage-timing.ts';
import { createBoss } from '../src/queue/boss.ts';
import { ensureQueues, JOB_TIMING_DEFAULT } from '../src/queue/jobs.ts';
import { createPushWorker } from '../src/queue/push-worker.ts';
import { createSyncQueue, type EnqueueInput } from '../src/queue/sync-queue.ts';

const ITEMS = Number(process.env.BENCH_QUEUE_ITEMS ?? 100_000);
const BATCH = 500;
const CONCURRENCY = 4;
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? 3);
const RAW_QUEUE = 'bench-raw';

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const logger = pino({ level: 'warn' });
  const dbh = createDb({ url: ctx.databaseUrl, max: CONCURRENCY + 4 });
  const boss = createBoss({ url: ctx.databaseUrl, logger, max: CONCURRENCY + 4 });
  await boss.start();
  await ensureQueues(boss);
  await boss.createQueue(RAW_QUEUE);
  await createTenant(dbh.db, { id: 'bench', name: 'Bench' });
  const queue = createSyncQueue({ boss });

  // Ours and the baseline take turns, ROUNDS times, on fresh items: a figure is the median of its
  // rounds, each beside the baseline measured just before it. On a 2-core machine one run of either
  // moved 20–40 % with whatever else ran (the baseline alone from 11 000 to 25 800 jobs/s).
  const rounds: Round[] = [];
  const seen = new Map<string, number>();
  for (let round = 1; round <= ROUNDS; round++) rounds.push(await measureRound(round));

  async function measureRound(round: number): Promise<Round> {
    const say = (m: string) => ctx.progress(`round ${round}/${ROUNDS}: ${m}`);
    // Baseline 1: raw pg-boss insert.
    let t0 = performance.now();
    for (let s = 0; s < ITEMS; s += BATCH) {
      await boss.insert(
        RAW_QUEUE,
        Array.from({ length: Math.min(BATCH, ITEMS - s) }, (_, i) => ({ data: { n: s + i } })),
      );
    }
    const rawInsert = ITEMS / ((performance.now() - t0) / 1000);
    say(`pgboss.insert_rate ${rawInsert.toFixed(0)}/s`);

    // Baseline 2: raw pg-boss fetch + complete, CONCURRENCY loops.
    let cpu0 = procStats();
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const jobs = await boss.fetch(RAW_QUEUE, { batchSize: BATCH });
          if (jobs.length === 0) return;
          await boss.complete(
            RAW_QUEUE,
            jobs.map((j) => j.id),
          );
        }
      }),
    );
    const rawFetch = ITEMS / ((performance.now() - t0) / 1000);
    const rawFetchProc = procDelta(cpu0, procStats());
    say(`pgboss.fetch_complete ${rawFetch.toFixed(0)}/s`);

    // Ours: enqueue through sync_queue.
    cpu0 = procStats();
    t0 = performance.now();
    for (let s = 0; s < ITEMS; s += BATCH) {
      const batch: EnqueueInput[] = Array.from({ length: Math.min(BATCH, ITEMS - s) }, (_, i) => ({
        tenantId: 'bench',
        source: 'HUB',
        destination: 'ERP',
        entityType: 'BENCH',
        entityId: `E-${round}-${s + i}`,
        action: 'CREATE',
        payload: { n: s + i },
      }));
      await queue.enqueueMany(dbh.db, batch);
      if ((s / BATCH) % 40 === 0) say(`enqueued ${s + batch.length}/${ITEMS}`);
    }
    const enqueueRate = ITEMS / ((performance.now() - t0) / 1000);
    const enqueueProc = procDelta(cpu0, procStats());

    // Ours: processed end to end by the push worker.
    const worker = createPushWorker({
      db: dbh.db,
      boss,
      logger,
      concurrency: CONCURRENCY,
      batchSize: BATCH,
      timing: JOB_TIMING_DEFAULT,
      backoff: { baseMs: 1000, factor: 2, capMs: 10_000 },
      handlers: [
        { destination: 'ERP', entityType: 'BENCH', handler: async (item) => void seen.set(item.id, (seen.get(item.id) ?? 0) + 1) },
      ],
    });
    // Where the worker's time goes (ms summed over concurrent batches; pg-boss fetch/complete are outside `push`).
    const stages: Record<string, number> = {};
    const onStage = (m: unknown) => {
      const { stage, ms } = m as { stage: string; ms: number };
      stages[stage] = Math.round((stages[stage] ?? 0) + ms);
    };
    subscribe(stageTimings.name, onStage);
    const target = round * ITEMS;
    cpu0 = procStats();
    t0 = performance.now();
    await worker.start();
    // The handler's count is watched every 10 ms (no query), the committed count once it is complete:
    // a 1 s poll of the table added up to a second to a run of a few seconds.
    let shown = 0;
    for (;;) {
      if (seen.size >= target) {
        const done = Number(
          (await sql<{ n: string }>`select count(*) n from sync_queue where status = 'COMPLETED'`.execute(dbh.db)).rows[0]!.n,
        );
        if (done >= target) break;
      } else if (performance.now() - shown > 1000) {
        shown = performance.now();
        say(`processed ${seen.size - target + ITEMS}/${ITEMS}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const processRate = ITEMS / ((performance.now() - t0) / 1000);
    const processProc = procDelta(cpu0, procStats());
    await worker.stop();
    unsubscribe(stageTimings.name, onStage);
    say(
      `queue.process_rate ${processRate.toFixed(0)}/s (${(processRate / rawFetch).toFixed(3)} of pg-boss); worker stages_ms ${JSON.stringify(stages)}`,
    );
    return { rawInsert, rawFetch, rawFetchProc, enqueueRate, enqueueProc, processRate, processProc, stages };
  }

  const ids = (await sql<{ id: string }>`select id from sync_queue`.execute(dbh.db)).rows.map((r) => r.id);
  const lost = ids.filter((id) => !seen.has(id)).length;
  const duplicated = [...seen.values()].filter((n) => n > 1).length;
  await boss.stop({ graceful: false });
  await dbh.close();
  const middle = (pick: (r: Round) => number) => median(rounds.map(pick));
  // Each round's figures (and where its time went) stay in the results beside the medians.
  return [
    figure(
      'pgboss.insert_rate',
      middle((r) => r.rawInsert),
      'items/s',
      null,
      { rounds: rounds.map((r) => Math.round(r.rawInsert)) },
    ),
    figure(
      'pgboss.fetch_complete',
      middle((r) => r.rawFetch),
      'items/s',
      null,
      {
        rounds: rounds.map((r) => Math.round(r.rawFetch)),
        worker_process: rounds.map((r) => r.rawFetchProc),
      },
    ),
    figure(
      'queue.enqueue_rate',
      middle((r) => r.enqueueRate),
      'items/s',
      { name: 'pgboss.insert_rate', value: middle((r) => r.rawInsert) },
      { items: ITEMS, rounds: rounds.map((r) => Math.round(r.enqueueRate)), enqueue_process: rounds.map((r) => r.enqueueProc) },
    ),
    figure(
      'queue.process_rate',
      middle((r) => r.processRate),
      'items/s',
      { name: 'pgboss.fetch_complete', value: middle((r) => r.rawFetch) },
      {
        items: ITEMS,
        rounds: rounds.map((r) => Math.round(r.processRate)),
        ratio_per_round: rounds.map((r) => Number((r.processRate / r.rawFetch).toFixed(3))),
        worker_process: rounds.map((r) => r.processProc),
        stages_ms: rounds.map((r) => r.stages),
      },
    ),
    figure('queue.lost', lost, 'items'),
    figure('queue.duplicated', duplicated, 'items'),
  ];
}

interface Round {
  rawInsert: number;
  rawFetch: number;
  rawFetchProc: ReturnType<typeof procDelta>;
  enqueueRate: number;
  enqueueProc: ReturnType<typeof procDelta>;
  processRate: number;
  processProc: ReturnType<typeof procDelta>;
  stages: Record<string, number>;
}
