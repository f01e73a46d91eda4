/**
 * The one boundary check every request passes before its route schema: strings PostgreSQL cannot
 * store (NUL, lone UTF-16 surrogates) and JSON nested deeper than MAX_INPUT_DEPTH are refused with
 * a 400 naming the field, in path params, query strings, the headers we read and bodies (keys too).
 * JSON bodies are decoded as strict UTF-8 (after any Content-Encoding), so bad bytes are a 400
 * instead of silently becoming U+FFFD.
 */
import type { FastifyInstance } from 'fastify';
import { AppError, ValidationError } from './errors.ts';

/** Deepest JSON any route accepts; payload schemas may set a lower limit of their own. */
export const MAX_INPUT_DEPTH = 64;
/** Request headers the API reads; only these are checked (Node already refuses NUL in headers). */
const READ_HEADERS = ['x-api-key', 'x-tenant-id', 'idempotency-key', 'x-request-id'] as const;

// A NUL, or a surrogate half without its partner.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `s` cannot be stored as PostgreSQL text, or undefined when it can. */
export function unstorableText(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000' ? 'contains a NUL character (\\u0000)' : 'contains an unpaired UTF-16 surrogate (invalid Unicode)';
}

/** The first problem in `value` (iterative, so a hostile body cannot exhaust the stack), as { path, message }. */
function findInputProblem(value: unknown, root: string, maxDepth = MAX_INPUT_DEPTH): { path: string; message: string } | undefined {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length) {
    const [node, path, depth] = stack.pop()!;
    if (typeof node === 'string') {
      const why = unstorableText(node);
      if (why) return { path, message: why };
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` };
    for (const [k, child] of Object.entries(node as Record<string, unknown>)) {
      const childPath = path ? `${path}.${k}` : k;
      const why = unstorableText(k);
      if (why) return { path: childPath, message: `key ${why}` };
      stack.push([child, childPath, depth + 1]);
    }
  }
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function registerInputGuard(app: FastifyInstance): void {
  // Fastify's own JSON parser (prototype-poisoning checks included), fed strictly decoded text.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(new AppError(400, 'INVALID_UTF8', 'body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(req, text, done);
  });
  app.addHook('preValidation', async (req) => {
    const headers: Record<string, unknown> = {};
    for (const h of READ_HEADERS) if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    for (const [part, value] of [
      ['params', req.params],
      ['querystring', req.query],
      ['headers', headers],
      ['body', req.body],
    ] as const) {
      const problem = findInputProblem(value, part);
      if (problem) throw new ValidationError(`invalid request: ${problem.path} ${problem.message}`, [problem]);
    }
  });
}
