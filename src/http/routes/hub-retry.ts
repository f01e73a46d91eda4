/**
 * Seed 000 §4.5's retry button for the Hub itself: a hub key may put its own FAILED or DEAD
 * document back in the queue, by sync_id or by the Hub's id — without an admin key.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { statusResponse } from '../../contract/hub-api.ts';
import type { Executor } from '../../db/connect.ts';
import type { SyncQueue } from '../../queue/sync-queue.ts';
import { tenantOf } from '../auth.ts';
import { NotFoundError } from '../errors.ts';
import { entityParam, protectedErrors, SECURITY } from '../schemas.ts';
import { statusView } from './outbound.ts';

export function registerHubRetryRoutes(app: FastifyInstance, deps: { db: Executor; queue: SyncQueue }): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/v1/sync/outbound/:entity/:id/retry',
    {
      config: { scopes: ['hub'] },
      schema: {
        summary: 'Retry a document the Hub sent that ended FAILED or DEAD (by sync_id or the Hub’s entity id)',
        tags: ['outbound'],
        security: SECURITY,
        params: z.object({ entity: entityParam, id: z.string().min(1).max(200) }),
        response: { 200: statusResponse, 409: protectedErrors[400], ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const item = await deps.queue.findOutboundItem(deps.db, { tenantId, entityType: req.params.entity, id: req.params.id });
      if (!item) throw new NotFoundError(`sync item ${req.params.id}`);
      return statusView(await deps.queue.retry(deps.db, tenantId, item.id));
    },
  );
}
