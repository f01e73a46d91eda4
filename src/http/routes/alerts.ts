/** Issue 15 §3 — the tenant's alerts (open first, newest first), for operators and the console. Scope `admin`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Executor } from '../../db/connect.ts';
import { listAlerts } from '../../db/alerts.ts';
import { ALERT_KINDS } from '../../db/schema.ts';
import { tenantOf } from '../auth.ts';
import { protectedErrors, SECURITY } from '../schemas.ts';

const alertView = z.object({
  id: z.string(),
  kind: z.enum(ALERT_KINDS),
  entity_type: z.string().nullable(),
  detail: z.string(),
  raised_at: z.string(),
  resolved_at: z.string().nullable(),
});

export function registerAlertRoutes(app: FastifyInstance, deps: { db: Executor }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/sync/alerts',
    {
      config: { scopes: ['admin'] },
      schema: {
        summary: 'Alerts of the tenant: open ones, or all (open first, newest first)',
        tags: ['operations'],
        security: SECURITY,
        querystring: z.object({
          state: z.enum(['open', 'all']).default('open'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(alertView) }), ...protectedErrors },
      },
    },
    async (req) => {
      const rows = await listAlerts(deps.db, tenantOf(req), { openOnly: req.query.state === 'open', limit: req.query.limit });
      return {
        items: rows.map((a) => ({
          id: a.id,
          kind: a.kind,
          entity_type: a.entity_type || null,
          detail: a.detail,
          raised_at: a.raised_at.toISOString(),
          resolved_at: a.resolved_at?.toISOString() ?? null,
        })),
      };
    },
  );
}
