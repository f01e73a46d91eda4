import type { FastifyInstance, FastifyReply } from 'fastify';
import { CONFIG_DEFAULTS } from '../../config/config.ts';
import { pingDatabase, type Executor } from '../../db/connect.ts';
import { latestWorkerBeat } from '../../db/worker-heartbeat.ts';

/** How long the health probe waits for PostgreSQL before calling the service degraded. */
const PROBE_TIMEOUT_MS = 2000;

const withTimeout = <T>(p: Promise<T>, fallback: T) =>
  Promise.race([p.catch(() => fallback), new Promise<T>((r) => setTimeout(() => r(fallback), PROBE_TIMEOUT_MS).unref())]);

/**
 * Readiness: `GET /api/v1/sync/health` — 200 when PostgreSQL answers AND a worker beat within
 * WORKER_STALE_SECONDS, 503 otherwise, with the worker's last heartbeat either way.
 * Liveness: `GET /api/v1/sync/health/live` — 200 while the process serves HTTP (restart it otherwise).
 * `GET /api/sync/health` (seed 001's agent path) keeps its shape: the agent only needs the server and its database.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: { db: Executor; workerStaleSeconds?: number }): void {
  const staleSeconds = deps.workerStaleSeconds ?? CONFIG_DEFAULTS.WORKER_STALE_SECONDS;
  const dbUp = () => withTimeout(pingDatabase(deps.db), false);
  const degraded = (reply: FastifyReply, e: { code: string; message: string; extra?: object }) =>
    reply.status(503).send({ success: false, status: 'degraded', ...e.extra, error: { code: e.code, message: e.message, details: null } });

  const agentHandler = async (_req: unknown, reply: FastifyReply) =>
    (await dbUp())
      ? reply.status(200).send({ success: true, status: 'ok' })
      : degraded(reply, { code: 'DATABASE_UNAVAILABLE', message: 'PostgreSQL does not answer' });

  app.get(
    '/api/v1/sync/health',
    { schema: { summary: 'Readiness: database and worker heartbeat (503 when either is gone)', tags: ['health'] } },
    async (_req, reply) => {
      if (!(await dbUp()))
        return degraded(reply, {
          code: 'DATABASE_UNAVAILABLE',
          message: 'PostgreSQL does not answer',
          extra: { database: 'unavailable', worker: null },
        });
      const beat = await withTimeout(latestWorkerBeat(deps.db), undefined);
      const worker = beat
        ? {
            status: beat.ageSeconds <= staleSeconds ? 'ok' : 'gone',
            last_heartbeat: beat.beatAt.toISOString(),
            age_seconds: Math.round(beat.ageSeconds),
            stale_after_seconds: staleSeconds,
          }
        : { status: 'gone', last_heartbeat: null, age_seconds: null, stale_after_seconds: staleSeconds };
      if (worker.status !== 'ok') {
        return degraded(reply, {
          code: 'WORKER_GONE',
          message: beat
            ? `no worker heartbeat for ${worker.age_seconds} s (limit ${staleSeconds} s): start or restart the worker`
            : 'no worker is running: start the worker',
          extra: { database: 'ok', worker },
        });
      }
      return reply.status(200).send({ success: true, status: 'ok', database: 'ok', worker });
    },
  );
  app.get('/api/v1/sync/health/live', { schema: { summary: 'Liveness: the process serves HTTP', tags: ['health'] } }, async () => ({
    success: true,
    status: 'ok',
  }));
  app.get('/api/sync/health', agentHandler);
}
