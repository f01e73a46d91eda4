/**
 * Records what a site agent did (issue 15 §4, the console's agent page): every answered call of an
 * agent key to /api/sync/* updates its row. Written before the response is sent (onSend), so what
 * the agent was told has happened is already visible to the console.
 */
import type { FastifyInstance } from 'fastify';
import { recordAgentActivity, type AgentCall } from '../db/agent-activity.ts';
import type { Executor } from '../db/connect.ts';

const PRINTABLE = /^[\x20-\x7e]{1,100}$/;

function callOf(url: string): AgentCall {
  if (url.startsWith('/api/sync/upload/')) return 'upload';
  if (url.startsWith('/api/sync/download/')) return 'download';
  if (url.startsWith('/api/sync/config/')) return 'config';
  return 'other';
}

export function registerAgentActivity(app: FastifyInstance, deps: { db: Executor }): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const url = req.routeOptions.url;
    if (!req.auth?.scopes.includes('agent') || !url?.startsWith('/api/sync/') || reply.statusCode >= 400) return payload;
    const raw = req.headers['x-agent-version'] ?? req.headers['user-agent'];
    const version = typeof raw === 'string' && PRINTABLE.test(raw) ? raw : null;
    try {
      await recordAgentActivity(deps.db, { tenantId: req.auth.tenantId, keyId: req.auth.keyId, version, call: callOf(url) });
    } catch (err) {
      req.log.warn({ err }, 'could not record agent activity');
    }
    return payload;
  });
}
