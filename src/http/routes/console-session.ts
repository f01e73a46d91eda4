/** Issue 15 §4 — console log in / log out / who am I. The session itself is src/http/session.ts. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findApiKeyByHash } from '../../db/api-keys.ts';
import type { Executor } from '../../db/connect.ts';
import { deleteConsoleSession, deleteExpiredConsoleSessions, insertConsoleSession } from '../../db/console-sessions.ts';
import { findTenant } from '../../db/tenants.ts';
import { hashApiKey, looksLikeApiKey } from '../../security/api-key.ts';
import { tenantOf } from '../auth.ts';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { errorResponse, protectedErrors, SECURITY } from '../schemas.ts';
import {
  assertCsrf,
  assertSameOrigin,
  clearSessionCookie,
  csrfTokenOf,
  hashSessionToken,
  newSessionToken,
  SESSION_IDLE_SECONDS,
  sessionTokenOf,
  setSessionCookie,
} from '../session.ts';

const sessionView = z.object({
  tenant_id: z.string(),
  tenant_name: z.string(),
  timezone: z.string(),
  scopes: z.array(z.string()),
  key_prefix: z.string(),
  /** Send it back as X-CSRF-Token on every change made with the session cookie; null when called with X-API-Key. */
  csrf_token: z.string().nullable(),
});

/** Scopes that may open the console. */
const CONSOLE_SCOPES = ['admin', 'viewer'] as const;

export function registerConsoleSessionRoutes(app: FastifyInstance, deps: { db: Executor }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const view = async (o: { tenantId: string; scopes: string[]; keyPrefix: string; token: string | undefined }) => {
    const tenant = await findTenant(deps.db, o.tenantId);
    return {
      tenant_id: o.tenantId,
      tenant_name: tenant?.name ?? o.tenantId,
      timezone: tenant?.timezone ?? 'UTC',
      scopes: o.scopes,
      key_prefix: o.keyPrefix,
      csrf_token: o.token ? csrfTokenOf(o.token) : null,
    };
  };

  r.post(
    '/console/api/login',
    {
      schema: {
        summary: 'Console log in with an admin or viewer key: sets the httpOnly session cookie',
        tags: ['console'],
        body: z.object({ key: z.string().min(1).max(200) }).strict(),
        response: { 200: sessionView, 400: errorResponse, 401: errorResponse, 403: errorResponse, 429: errorResponse },
      },
    },
    async (req, reply) => {
      // A login forced by another site would put the victim in the attacker's session.
      assertSameOrigin(req);
      app.authFailures.check(req.ip);
      const key = looksLikeApiKey(req.body.key) ? await findApiKeyByHash(deps.db, hashApiKey(req.body.key)) : undefined;
      if (!key) {
        app.authFailures.fail(req.ip);
        throw new UnauthorizedError('unknown or revoked key');
      }
      if (!key.scopes.some((s) => (CONSOLE_SCOPES as readonly string[]).includes(s)))
        throw new ForbiddenError(`a key of scope ${key.scopes.join(', ')} cannot open the console; use an admin or viewer key`);
      await deleteExpiredConsoleSessions(deps.db);
      const token = newSessionToken();
      await insertConsoleSession(deps.db, {
        tokenHash: hashSessionToken(token),
        keyId: key.id,
        tenantId: key.tenant_id,
        idleSeconds: SESSION_IDLE_SECONDS,
      });
      setSessionCookie(req, reply, token);
      return view({ tenantId: key.tenant_id, scopes: key.scopes, keyPrefix: key.prefix, token });
    },
  );

  r.post(
    '/console/api/logout',
    {
      schema: {
        summary: 'Console log out: deletes the session and clears its cookie',
        tags: ['console'],
        response: { 200: z.object({ success: z.literal(true) }), 403: errorResponse },
      },
    },
    async (req, reply) => {
      const token = sessionTokenOf(req);
      if (token) {
        assertCsrf(req, token);
        await deleteConsoleSession(deps.db, hashSessionToken(token));
      }
      clearSessionCookie(req, reply);
      return { success: true as const };
    },
  );

  r.get(
    '/console/api/session',
    {
      config: { scopes: ['admin', 'viewer'] },
      schema: {
        summary: 'Who the console is logged in as: tenant, its time zone, scopes and the CSRF token of the session',
        tags: ['console'],
        security: SECURITY,
        response: { 200: sessionView, ...protectedErrors },
      },
    },
    async (req) => {
      tenantOf(req);
      const a = req.auth!;
      return view({
        tenantId: a.tenantId,
        scopes: a.scopes,
        keyPrefix: a.keyPrefix,
        token: req.headers['x-api-key'] ? undefined : sessionTokenOf(req),
      });
    },
  );
}
