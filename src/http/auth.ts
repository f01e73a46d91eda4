/**
 * X-API-Key authentication and scope checks, once, for every route that declares
 * `config: { scopes }`. The key's tenant scopes every query below it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Executor } from '../db/connect.ts';
import type { ApiScope } from '../db/schema.ts';
import { hashApiKey, looksLikeApiKey } from '../security/api-key.ts';
import { createApiKeyCache, type ApiKeyCache } from './api-key-cache.ts';
import { AppError, ForbiddenError, UnauthorizedError } from './errors.ts';
import { authenticateSession } from './session.ts';

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
  interface FastifyInstance {
    /** Failed authentications per client address; console login counts its failures here too. */
    authFailures: AuthFailureLimiter;
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

/**
 * Failed authentications per client address in fixed one-minute windows. Checked before the key
 * lookup, so guessing keys costs a 429 (and no database work) once the budget is spent; successful
 * requests are never counted here (the per-key limit after auth covers them).
 */
export type AuthFailureLimiter = ReturnType<typeof createAuthFailureLimiter>;
function createAuthFailureLimiter(maxPerMinute: number) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    check(ip: string): void {
      const w = windows.get(ip);
      if (w && w.resetAt > Date.now() && w.count >= maxPerMinute) {
        throw new AppError(
          429,
          'RATE_LIMITED',
          `too many failed authentications from this address; retry after ${Math.ceil((w.resetAt - Date.now()) / 1000)} s`,
        );
      }
    },
    fail(ip: string): void {
      const now = Date.now();
      // Bounded memory: expired windows go once the map grows.
      if (windows.size > 10_000) for (const [k, v] of windows) if (v.resetAt <= now) windows.delete(k);
      const w = windows.get(ip);
      if (!w || w.resetAt <= now) windows.set(ip, { count: 1, resetAt: now + 60_000 });
      else w.count++;
    },
  };
}

export function registerAuth(app: FastifyInstance, deps: { db: Executor; authFailuresPerMinute: number; apiKeyCacheTtlMs?: number }): void {
  const failures = createAuthFailureLimiter(deps.authFailuresPerMinute);
  app.decorate('authFailures', failures);
  const keys = createApiKeyCache(deps, { ttlMs: deps.apiKeyCacheTtlMs });
  app.addHook('onClose', () => keys.close());
  // onRequest: before the body is read or validated, so an unauthenticated caller learns nothing about the route.
  app.addHook('onRequest', async (req) => {
    const scopes = req.routeOptions.config.scopes;
    if (!scopes) return;
    failures.check(req.ip);
    try {
      await authenticate(req, { keys, db: deps.db }, scopes);
    } catch (err) {
      if (err instanceof UnauthorizedError) failures.fail(req.ip);
      throw err;
    }
  });
}

/** `admin` calls everything; `viewer` (the console's read-only operator) only the GETs of operator routes. */
function scopeAllows(keyScopes: ApiScope[], routeScopes: ApiScope[], method: string): boolean {
  if (keyScopes.includes('admin') || keyScopes.some((s) => routeScopes.includes(s))) return true;
  return keyScopes.includes('viewer') && routeScopes.includes('admin') && (method === 'GET' || method === 'HEAD');
}

function assertScope(keyScopes: ApiScope[], routeScopes: ApiScope[], method: string): void {
  if (!scopeAllows(keyScopes, routeScopes, method))
    throw new ForbiddenError(`this key's scope (${keyScopes.join(', ')}) may not call this endpoint; it needs ${routeScopes.join(' or ')}`);
}

async function authenticate(req: FastifyRequest, deps: { keys: ApiKeyCache; db: Executor }, scopes: ApiScope[]): Promise<void> {
  const raw = req.headers['x-api-key'];
  if (raw === undefined) {
    // No key: a console session cookie may stand for one (CSRF checked in session.ts).
    const session = await authenticateSession(req, deps.db);
    if (session) {
      assertScope(session.scopes, scopes, req.method);
      req.auth = session;
      return;
    }
  }
  if (typeof raw !== 'string' || raw.length === 0) throw new UnauthorizedError('missing X-API-Key header');
  if (!looksLikeApiKey(raw)) throw new UnauthorizedError('invalid X-API-Key');
  const key = await deps.keys.find(hashApiKey(raw));
  if (!key) throw new UnauthorizedError('invalid or revoked X-API-Key');
  assertScope(key.scopes, scopes, req.method);
  const claimed = req.headers['x-tenant-id'];
  if (claimed !== undefined && claimed !== key.tenant_id) throw new ForbiddenError('X-Tenant-Id does not match the API key');
  req.auth = { tenantId: key.tenant_id, scopes: key.scopes, keyId: key.id, keyPrefix: key.prefix };
  deps.keys.touch(key.id);
}
