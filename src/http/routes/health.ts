import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Executor } from '../../db/connect.ts';

/** How long the health probe waits for PostgreSQL before calling the service degraded. */
const PROBE_TIMEOUT_MS = 2000;

/** `GET …/health` under both API prefixes: 200 ok when the database answers, 503 degraded otherwise. */
export function registerHealthRoutes(app: FastifyInstance, deps: { db: Executor }): void {
  const handler = async (_req: unknown, reply: { status(code: number): { send(body: unknown): unknown } }) => {
    const ok = await Promise.race([
      sql`select 1`.execute(deps.db).then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), PROBE_TIMEOUT_MS).unref()),
    ]);
    return ok
      ? reply.status(200).send({ success: true, status: 'ok' })
      : reply.status(503).send({ success: false, status: 'degraded', error: { code: 'DATABASE_UNAVAILABLE', message: 'PostgreSQL does not answer', details: null } });
  };
  app.get('/api/v1/sync/health', handler);
  app.get('/api/sync/health', handler);
}
