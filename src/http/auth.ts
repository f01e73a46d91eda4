/**
 * X-API-Key authentication and scope checks, once, for every route that declares
 * `config: { scopes }`. The key's tenant scopes every query below it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Executor } from '../db/connect.ts';
import type { ApiScope } from '../db/schema.ts';
import { hashApiKey, looksLikeApiKey } from '../security/api-key.ts';
import { createApiKeyCache } from './api-key-cache.ts';
import { ForbiddenError, UnauthorizedError } from './errors.ts';

export interface AuthContext {
  tenantId: string;
  scopes: ApiScope[];
  keyId: string;
  keyPrefix: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
  interface FastifyContextConfig {
    /** Scopes that may call the route (`admin` may call everything of its tenant). Unset → public. */
    scopes?: ApiScope[];
  }
}

/** The authenticated tenant of a request on a protected route. */
export function tenantOf(req: FastifyRequest): string {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth.tenantId;
}

export function registerAuth(app: FastifyInstance, deps: { db: Executor; apiKeyCacheTtlMs?: number }): void {
  const keys = createApiKeyCache(deps, { ttlMs: deps.apiKeyCacheTtlMs });
  app.addHook('onClose', () => keys.close());
  // onRequest: before the body is read or validated, so an unauthenticated caller learns nothing about the route.
  app.addHook('onRequest', async (req) => {
    const scopes = req.routeOptions.config.scopes;
    if (!scopes) return;
    const raw = req.headers['x-api-key'];
    if (typeof raw !== 'string' || raw.length === 0) throw new UnauthorizedError('missing X-API-Key header');
    if (!looksLikeApiKey(raw)) throw new UnauthorizedError('invalid X-API-Key');
    const key = await keys.find(hashApiKey(raw));
    if (!key) throw new UnauthorizedError('invalid or revoked X-API-Key');
    const allowed = key.scopes.includes('admin') || key.scopes.some((s) => scopes.includes(s));
    if (!allowed) throw new ForbiddenError(`this key's scope (${key.scopes.join(', ')}) may not call this endpoint; it needs ${scopes.join(' or ')}`);
    const claimed = req.headers['x-tenant-id'];
    if (claimed !== undefined && claimed !== key.tenant_id) throw new ForbiddenError('X-Tenant-Id does not match the API key');
    req.auth = { tenantId: key.tenant_id, scopes: key.scopes, keyId: key.id, keyPrefix: key.prefix };
    keys.touch(key.id);
  });
}
