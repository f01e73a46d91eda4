/**
 * API latency and throughput with autocannon (50 connections, 10 s each, three rounds) against a
 * server in its own process: POST /outbound/:entity and GET /inbound/:entity (leases), beside a
 * bare route of the same server, in the same run.
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import pg from 'pg';
import type { BenchContext } from './run.ts';
import { figure, median, type BenchFigure } from './results.ts';
import { procDelta, procStats } from './proc-stats.ts';
import { insertApiKey } from '../src/db/api-keys.ts';
import { createDb } from '../src/db/connect.ts';
import { createTenant } from '../src/db/tenants.ts';
import { createBoss } from '../src/queue/boss.ts';
import { createSyncQueue, type EnqueueInput } from '../src/queue/sync-queue.ts';
import { generateApiKey } from '../src/security/api-key.ts';
import pino from 'pino';
import { sql } from 'kysely';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_API_SECONDS ?? 10);
/** Bare route, POST and lease take turns this many times; each figure is the median of its rounds. */
const ROUNDS = Number(process.env.BENCH_API_ROUNDS ?? 3);
const PORT = 3900 + (process.pid % 90);

/** The latency distribution beside each p99: a tail and a slow middle call for different fixes. */
const spread = (r: autocannon.Result) => ({ p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max });

async function load(url: string, opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...opts });
}

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const dbh = createDb({ url: ctx.databaseUrl, max: 4 });
  await createTenant(dbh.db, { id: 'bench', name: 'Bench' });
  await dbh.db
    .insertInto('sync_entity_config')
    .values([
      { tenant_id: 'bench', entity_type: 'PROVEEDOR', erp_type: 'AXIOMA', direction: 'IN' },
      {
        tenant_id: 'bench',
        entity_type: 'ORDEN_COMPRA',
        erp_type: 'AXIOMA',
        direction: 'OUT',
        // Without an insert statement a CREATE is refused (400): the figure would time error answers.
        queries: JSON.stringify({ insert: 'INSERT INTO OrdenCompra (Numero, Total) VALUES (@Numero, @Total)' }),
        field_mapping: JSON.stringify({ hub_to_erp: { numero: 'Numero', total: 'Total' } }),
      },
    ])
    .execute();
  const key = generateApiKey();
  await insertApiKey(dbh.db, { tenantId: 'bench', hash: key.hash, prefix: key.prefix, scopes: ['hub'] });

  // Enough items that the stream never runs dry during the lease run (an empty lease is cheaper):
  // the figure's detail says how many were leased.
  const toLease = Math.max(60_000, DURATION_S * 20_000) * ROUNDS;
  ctx.progress(`enqueueing ${toLease} supplier items to lease`);
  const boss = createBoss({ url: ctx.databaseUrl, logger: pino({ level: 'warn' }), supervise: false, schedule: false });
  await boss.start();
  const queue = createSyncQueue({ boss });
  for (let s = 0; s < toLease; s += 1000) {
    const batch: EnqueueInput[] = Array.from({ length: 1000 }, (_, i) => ({
      tenantId: 'bench',
      source: 'ERP',
      destination: 'HUB',
      entityType: 'PROVEEDOR',
      entityId: `P-${s + i}`,
      action: 'UPSERT',
      payload: { id: s + i, nombre: `Proveedor ${s + i}` },
    }));
    await queue.enqueueMany(dbh.db, batch);
  }
  await boss.stop({ graceful: false });

  const server = spawn(
    process.execPath,
    [
      // This process's node flags (make bench: the product's V8 heap sizing and the tsx loader), as the server runs.
      ...process.execArgv,
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      new URL('./api-server.ts', import.meta.url).pathname,
    ],
    {
      env: { ...process.env, DATABASE_URL: ctx.databaseUrl, SYNC_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'), PORT: String(PORT) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (c: Buffer) => c.toString().includes('listening') && resolve());
    server.once('exit', () => reject(new Error('bench API server exited')));
  });
  // The seeding above and the groups before this one leave dirty buffers behind: a checkpoint before
  // each timed run keeps their write-back (and its fsyncs, which every commit then waits behind)
  // out of the figure. Within a 10 s run the API's own WAL is far below what triggers one.
  const su = new pg.Client({ connectionString: ctx.superuserUrl });
  await su.connect();
  const base = `http://127.0.0.1:${PORT}`;
  const headers = { 'x-api-key': key.raw, 'content-type': 'application/json' };
  try {
    // CPU ms and peak RSS of the server process over each load run, and what the server's database
    // sessions were doing (pg_stat_activity samples every 100 ms: CPU, a lock, I/O, the client…).
    const measured = async (fn: () => Promise<autocannon.Result>): Promise<Run> => {
      await su.query('CHECKPOINT');
      const before = procStats(server.pid);
      const waits: Record<string, number> = {};
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const rows = await sql<{ w: string; n: string }>`
            select coalesce(wait_event_type || ':' || wait_event, 'CPU') w, count(*) n from pg_stat_activity
             where application_name = 'parse-sync' and state = 'active' and pid <> pg_backend_pid() group by 1`.execute(dbh.db);
          for (const r of rows.rows) waits[r.w] = (waits[r.w] ?? 0) + Number(r.n);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const result = await fn();
      sampling = false;
      await sampler;
      return { result, server: procDelta(before, procStats(server.pid)), waits };
    };
    // Each route answers 2xx once before it is timed: a figure of error answers would mean nothing.
    for (const [path, init] of [
      [
        '/api/v1/sync/outbound/ORDEN_COMPRA',
        { method: 'POST', body: JSON.stringify({ entity_id: 'OC-0', action: 'CREATE', payload: { numero: 'OC-0', total: '1.00' } }) },
      ],
      ['/api/v1/sync/inbound/PROVEEDOR?limit=1&lease_seconds=600', { method: 'GET' }],
    ] as const) {
      const res = await fetch(`${base}${path}`, { ...init, headers });
      if (!res.ok) throw new Error(`bench api: ${init.method} ${path} answered ${res.status}: ${await res.text()}`);
    }
    let n = 0;
    const routes = {
      bare: () => load(`${base}/bench/bare`, {}),
      // A distinct purchase order per request (autocannon 8's idReplacement sends nothing with a body).
      post: () =>
        load(`${base}/api/v1/sync/outbound/ORDEN_COMPRA`, {
          method: 'POST',
          headers,
          requests: [
            {
              setupRequest: (req) => {
                const id = `OC-${++n}`;
                return { ...req, body: JSON.stringify({ entity_id: id, action: 'CREATE', payload: { numero: id, total: '1234.50' } }) };
              },
            },
          ],
        }),
      lease: () => load(`${base}/api/v1/sync/inbound/PROVEEDOR?limit=5&lease_seconds=600`, { headers }),
    };
    // The three routes take turns, ROUNDS times: one 10 s run's p99 moved 30 % with whatever else the
    // 2-core machine did, so each figure is the median of its rounds, every round kept in its detail.
    const runs: Record<keyof typeof routes, Run[]> = { bare: [], post: [], lease: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of Object.keys(routes) as (keyof typeof routes)[]) {
        ctx.progress(`round ${round}/${ROUNDS}: ${name}, ${CONNECTIONS} connections, ${DURATION_S} s`);
        const run = await measured(routes[name]);
        runs[name].push(run);
        const r = run.result;
        ctx.progress(
          `round ${round}/${ROUNDS}: ${name}: ${r.requests.total} requests (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts), ` +
            `p99 ${r.latency.p99} ms; database sessions sampled ${JSON.stringify(run.waits)}`,
        );
      }
    }
    const leased = Number(
      (await sql<{ n: string }>`select count(*) n from sync_queue where status = 'IN_FLIGHT'`.execute(dbh.db)).rows[0]!.n,
    );
    if (leased >= toLease)
      ctx.progress(`lease: the stream ran dry (${leased} of ${toLease} items leased): the figure includes empty leases`);
    const rps = (name: keyof typeof routes) => median(runs[name].map((x) => x.result.requests.average));
    const p99 = (name: keyof typeof routes) => median(runs[name].map((x) => x.result.latency.p99));
    const rounds = (name: keyof typeof routes) =>
      runs[name].map((x) => ({
        requests: x.result.requests.total,
        non2xx: x.result.non2xx,
        req_s: x.result.requests.average,
        latency_ms: spread(x.result),
        server: x.server,
        db_waits: x.waits,
      }));
    const bareRps = { name: 'api.bare_route', value: rps('bare') };
    const bareP99 = { name: 'api.bare_route.p99', value: p99('bare') };
    return [
      figure('api.bare_route', rps('bare'), 'req/s', null, { rounds: rounds('bare') }),
      figure('api.bare_route.p99', p99('bare'), 'ms', null, { rounds_p99: runs.bare.map((x) => x.result.latency.p99) }),
      figure('api.outbound_post', rps('post'), 'req/s', bareRps, { rounds: rounds('post') }),
      figure('api.outbound_post.p99', p99('post'), 'ms', bareP99, { rounds_p99: runs.post.map((x) => x.result.latency.p99) }),
      figure('api.inbound_lease', rps('lease'), 'req/s', bareRps, {
        items_leased: leased,
        items_available: toLease,
        rounds: rounds('lease'),
      }),
      figure('api.inbound_lease.p99', p99('lease'), 'ms', bareP99, { rounds_p99: runs.lease.map((x) => x.result.latency.p99) }),
    ];
  } finally {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    await su.end();
    await dbh.close();
  }
}

interface Run {
  result: autocannon.Result;
  server: ReturnType<typeof procDelta>;
  waits: Record<string, number>;
}
