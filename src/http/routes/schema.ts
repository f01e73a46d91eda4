/** Schema discovery for the Hub (hub scope): the fields it receives or must send for one entity. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { entitySchemaResponse } from '../../contract/hub-api.ts';
import type { Executor } from '../../db/connect.ts';
import { findEntityConfig } from '../../db/entity-configs.ts';
import { hubFieldsOf } from '../../sync/hub-schema.ts';
import { tenantOf } from '../auth.ts';
import { NotFoundError } from '../errors.ts';
import { entityParam, protectedErrors, SECURITY } from '../schemas.ts';

export function registerSchemaRoutes(app: FastifyInstance, deps: { db: Executor }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/sync/schema/:entity',
    {
      config: { scopes: ['hub'] },
      schema: {
        summary: 'Fields the Hub receives (inbound) or must send (outbound) for one entity',
        tags: ['inbound', 'outbound'],
        security: SECURITY,
        params: z.object({ entity: entityParam }),
        response: { 200: entitySchemaResponse, ...protectedErrors },
      },
    },
    async (req) => {
      const tenantId = tenantOf(req);
      const [inbound, outbound] = await Promise.all([
        findEntityConfig(deps.db, { tenantId, entityType: req.params.entity, flow: 'IN' }),
        findEntityConfig(deps.db, { tenantId, entityType: req.params.entity, flow: 'OUT' }),
      ]);
      if (!inbound && !outbound) throw new NotFoundError(`entity ${req.params.entity}`);
      return {
        entity_type: req.params.entity,
        receives: inbound ? hubFieldsOf(inbound).receives : null,
        sends: outbound ? hubFieldsOf(outbound).sends : null,
      };
    },
  );
}
