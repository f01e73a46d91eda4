/**
 * Console sessions (issue 15 §4): an operator logs in once with an admin or viewer key and gets an
 * httpOnly, SameSite=Strict cookie. The cookie authenticates the /api/v1 routes like the key would
 * (same tenant, same scopes). Because browsers send cookies on their own, a mutation carried by a
 * cookie must also prove it comes from our page: the CSRF token (derived from the session token,
 * so nothing more is stored) in a header, and a same-origin Origin or Sec-Fetch-Site.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findConsoleSession, touchConsoleSession } from '../db/console-sessions.ts';
import type { Executor } from '../db/connect.ts';
import type { AuthContext } from './auth.ts';
import { ForbiddenError, UnauthorizedError } from './errors.ts';

export const SESSION_COOKIE = 'ps_session';
export const CSRF_HEADER = 'x-csrf-token';
/** A session idle this long ends, seconds (12 h: one working day). */
export const SESSION_IDLE_SECONDS = 12 * 3600;
/** The idle expiry is pushed forward at most this often, ms (a write per request would be wasteful). */
const TOUCH_EVERY_MS = 60_000;

export const newSessionToken = () => randomBytes(32).toString('base64url');
export const hashSessionToken = (token: string) => createHash('sha256').update(`session:${token}`).digest('hex');
/** The per-session CSRF token: only someone who can read our page's responses learns it. */
export const csrfTokenOf = (token: string) => createHash('sha256').update(`csrf:${token}`).digest('base64url');

/** The raw session token from the Cookie header, if it has the shape we issue. */
export function sessionTokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

const isSafeMethod = (m: string) => m === 'GET' || m === 'HEAD' || m === 'OPTIONS';

/**
 * Same-origin proof a browser cannot be made to forge: Sec-Fetch-Site, else Origin's host vs Host.
 * The host only, not the scheme: behind a proxy that ends TLS the page is https and we see http.
 */
export function assertSameOrigin(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') {
    if (site !== 'same-origin') throw new ForbiddenError('cross-site request refused (Sec-Fetch-Site)');
    return;
  }
  if (originHost(req.headers.origin) !== req.host)
    throw new ForbiddenError('cross-site request refused: Origin missing or not this server');
}

function originHost(origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** https as the browser sees it (a TLS-ending proxy says so in X-Forwarded-Proto; it can only make the cookie stricter). */
const overHttps = (req: FastifyRequest) => req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';

/** For a mutation carried by the cookie: the CSRF header must match the session's token, and the request be same-origin. */
export function assertCsrf(req: FastifyRequest, token: string): void {
  if (isSafeMethod(req.method)) return;
  const sent = req.headers[CSRF_HEADER];
  const expected = Buffer.from(csrfTokenOf(token));
  if (typeof sent !== 'string' || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), expected))
    throw new ForbiddenError(`missing or wrong ${CSRF_HEADER} header (the console sends the token of its session)`);
  assertSameOrigin(req);
}

/** The key behind the request's session cookie, CSRF checked; undefined when there is no cookie. */
export async function authenticateSession(req: FastifyRequest, db: Executor): Promise<AuthContext | undefined> {
  const token = sessionTokenOf(req);
  if (!token) return undefined;
  const hash = hashSessionToken(token);
  const s = await findConsoleSession(db, hash);
  if (!s) throw new UnauthorizedError('the console session has expired or its key was revoked; log in again');
  assertCsrf(req, token);
  if (Date.now() - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchConsoleSession(db, hash, SESSION_IDLE_SECONDS);
  return { tenantId: s.tenantId, scopes: s.scopes, keyId: s.keyId, keyPrefix: s.keyPrefix };
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string): void {
  const secure = overHttps(req) ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_IDLE_SECONDS}${secure}`);
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  const secure = overHttps(req) ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`);
}
