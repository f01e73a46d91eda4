/**
 * Issue 15 §4 — the console's static files (src/console: HTML, ES modules, one CSS file), served
 * from memory. No build step and no CDN (customers may be air-gapped). The set of files is read
 * once at start, so a URL can only ever name one of them (no path from the request touches the
 * disk). Every answer carries a strict CSP: scripts and styles from this origin only, no inline code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const ROOT = path.resolve(import.meta.dirname, '../../console');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function loadFiles(): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const entry of readdirSync(ROOT, { recursive: true, withFileTypes: true })) {
    const type = TYPES[path.extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(ROOT, full).split(path.sep).join('/'), { body: readFileSync(full), type });
  }
  return files;
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache');
}

export function registerConsoleStaticRoutes(app: FastifyInstance): void {
  const files = loadFiles();
  const index = files.get('index.html');
  const send = (reply: FastifyReply, name: string) => {
    const f = files.get(name);
    if (!f) return secure(reply).code(404).type('text/plain; charset=utf-8').send('not found');
    return secure(reply).type(f.type).send(f.body);
  };
  app.get('/console', { schema: { hide: true } }, (_req, reply) => (index ? send(reply, 'index.html') : reply.redirect('/docs')));
  app.get('/console/', { schema: { hide: true } }, (_req, reply) => send(reply, 'index.html'));
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, (req, reply) => send(reply, req.params['*']));
}
