/**
 * Issue 15 §2 — `GET /metrics` in the Prometheus text format, behind the operator token
 * (METRICS_TOKEN, sent as `Authorization: Bearer …`); without a token configured the route is off (404).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Executor } from '../../db/connect.ts';
import { databaseFamilies } from '../../metrics/db-metrics.ts';
import { renderFamilies } from '../../metrics/exposition.ts';
import { createHttpMetrics } from '../../metrics/http-metrics.ts';
import { AppError, NotFoundError, UnauthorizedError } from '../errors.ts';

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function registerMetricsRoutes(app: FastifyInstance, deps: { db: Executor; metricsToken?: string }): void {
  const metrics = createHttpMetrics();
  app.addHook('onResponse', async (req, reply) => {
    metrics.observe({
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
  });
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (Authorization: Bearer METRICS_TOKEN)', tags: ['operations'] } },
    async (req, reply) => {
      if (!deps.metricsToken) throw new NotFoundError('metrics (set METRICS_TOKEN to enable /metrics)');
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer (.+)$/.exec(auth)?.[1];
      if (!token) throw new UnauthorizedError('missing Authorization: Bearer <METRICS_TOKEN>');
      if (!sameSecret(token, deps.metricsToken)) throw new AppError(401, 'UNAUTHORIZED', 'invalid metrics token');
      const text = (await metrics.registry.metrics()) + renderFamilies(await databaseFamilies(deps.db));
      return reply.header('content-type', metrics.registry.contentType).send(text);
    },
  );
}
