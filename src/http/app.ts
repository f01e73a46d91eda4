import rateLimit from '@fastify/rate-limit';
import sensible from '@fastify/sensible';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../config/logger.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Keyring } from '../security/secret-box.ts';
import type { SyncQueue } from '../queue/sync-queue.ts';
import type { PullScheduler } from '../sync/pull-scheduler.ts';
import type { EmitWebhookEvents } from '../sync/hub-operations.ts';
import { createTenantGate, TENANT_LIMITS_DEFAULT, type TenantLimits } from '../sync/tenant-limits.ts';
import { hashApiKey } from '../security/api-key.ts';
import { registerAuth } from './auth.ts';
import { registerErrorHandler } from './error-handler.ts';
import { registerOpenApi } from './openapi.ts';
import { AppError, errorBody } from './errors.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerConfigRoutes } from './routes/config.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerAgentRoutes } from './routes/agent.ts';
import { registerAgentOutboundRoutes } from './routes/agent-outbound.ts';
import { registerRequestDecompression } from './decompress.ts';
import { registerErpConnectionRoutes } from './routes/erp-connection.ts';
import { registerMetricsRoutes } from './routes/metrics.ts';
import { registerAlertRoutes } from './routes/alerts.ts';
import { registerConsoleSessionRoutes } from './routes/console-session.ts';
import { registerConsoleApiRoutes } from './routes/console-api.ts';
import { registerAgentActivity } from './agent-activity.ts';
import { registerConsoleStaticRoutes } from './routes/console-static.ts';
import { registerInputGuard } from './input-guard.ts';
import type { DestinationPolicy } from '../security/destination-policy.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerHubRetryRoutes } from './routes/hub-retry.ts';
import { registerSchemaRoutes } from './routes/schema.ts';
import { registerInboundRoutes } from './routes/inbound.ts';
import { registerOutboundRoutes } from './routes/outbound.ts';

export interface AppDeps {
  db: Kysely<Database>;
  /** Seals the ERP password handed to site agents. */
  keyring: Keyring;
  logger: Logger;
  queue: SyncQueue;
  /** Manual runs and next scheduled runs of pulls. */
  pulls: PullScheduler;
  /** Request body limit, bytes. */
  bodyLimit: number;
  /** Requests per minute per API key (per address for requests without one). */
  rateLimitPerMinute: number;
  /** Per-tenant limits (default: config.ts defaults). */
  limits?: TenantLimits;
  /** The bounded pool with timeouts for tenant-shaped reads (default: `db`). */
  tenantDb?: Kysely<Database>;
  /** Queues webhook events (an upload's `notify_inbound_available` operation); bound to pg-boss by the entry point. */
  emitWebhookEvents?: EmitWebhookEvents;
  /** Health answers 503 when no worker heartbeat is younger than this, seconds (WORKER_STALE_SECONDS). */
  workerStaleSeconds?: number;
  /** Bearer token of GET /metrics (METRICS_TOKEN); unset → /metrics is off. */
  metricsToken?: string;
  /** Which ERP hosts an operator may set (ALLOW_PRIVATE_DESTINATIONS); default: public addresses only. */
  destinations?: DestinationPolicy;
  /** Failed authentications per minute per client address before it gets 429 without a key lookup. */
  authFailuresPerMinute: number;
}

/** Client request ids are kept (logs, 500 bodies) only when short printable ASCII; else one is generated. */
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export interface RouteEntry {
  method: string;
  url: string;
  scopes?: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    routeList: RouteEntry[];
  }
}

export { OPENAPI_PATH } from './openapi.ts';

/** Builds the HTTP API (not listening); the server entry point binds it. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Fastify's logger type is narrower than pino's; the instance is the same object.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    genReqId: (req) => {
      const id = req.headers['x-request-id'];
      return typeof id === 'string' && CLIENT_REQUEST_ID.test(id) ? id : crypto.randomUUID();
    },
    requestIdHeader: false,
    routerOptions: { maxParamLength: 200 },
    // Errors the router raises before any hook (an over-long path parameter, a bad URL) keep our error shape too.
    frameworkErrors: (err, _req, reply) => {
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 400;
      void (reply as unknown as FastifyReply).code(status).send(errorBody(err.code ?? 'BAD_REQUEST', err.message));
    },
  });
  // Every route, with the scopes it demands: the auth matrix test and the OpenAPI check iterate it.
  const routes: RouteEntry[] = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routes.push({ method, url: route.url, scopes: route.config?.scopes });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(sensible);
  registerErrorHandler(app);
  await app.register(rateLimit, {
    max: deps.rateLimitPerMinute,
    timeWindow: '1 minute',
    // Keyed by the key's hash, so the raw key is never held as a map key.
    keyGenerator: (req) => {
      const key = req.headers['x-api-key'];
      return typeof key === 'string' ? hashApiKey(key) : req.ip;
    },
    // Thrown by the plugin, so the one error handler renders it like every other error.
    errorResponseBuilder: (_req, ctx) =>
      new AppError(429, 'RATE_LIMITED', `rate limit of ${ctx.max} requests per minute exceeded; retry after ${ctx.after}`),
  });
  await registerOpenApi(app);
  registerRequestDecompression(app);
  registerInputGuard(app);
  registerAuth(app, deps);
  registerHealthRoutes(app, deps);
  registerInboundRoutes(app, deps);
  registerOutboundRoutes(app, deps);
  registerHubRetryRoutes(app, deps);
  registerSchemaRoutes(app, deps);
  registerAdminRoutes(app, deps);
  const limits = deps.limits ?? TENANT_LIMITS_DEFAULT;
  const tenant = { limits, gate: createTenantGate(limits), db: deps.tenantDb ?? deps.db };
  registerConfigRoutes(app, { ...deps, limits });
  registerRunRoutes(app, { ...deps, limits });
  registerAgentRoutes(app, { ...deps, tenant });
  registerAgentOutboundRoutes(app, deps);
  registerErpConnectionRoutes(app, deps);
  registerMetricsRoutes(app, deps);
  registerAlertRoutes(app, deps);
  registerConsoleSessionRoutes(app, deps);
  registerConsoleApiRoutes(app, deps);
  registerAgentActivity(app, deps);
  registerConsoleStaticRoutes(app);
  return app;
}
