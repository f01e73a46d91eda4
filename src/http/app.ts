import sensible from '@fastify/sensible';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../config/logger.ts';
import type { Executor } from '../db/connect.ts';
import { registerErrorHandler } from './error-handler.ts';
import { registerHealthRoutes } from './routes/health.ts';

export interface AppDeps {
  db: Executor;
  logger: Logger;
  /** Request body limit, bytes. */
  bodyLimit: number;
}

/** Builds the HTTP API (not listening); the server entry point binds it. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Fastify's logger type is narrower than pino's; the instance is the same object.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
  });
  await app.register(sensible);
  registerErrorHandler(app);
  registerHealthRoutes(app, deps);
  return app;
}
