import t from 'tap';
import { Validator } from '@seriousme/openapi-schema-validator';
import { WEBHOOK_EVENT_TYPES } from '../../src/contract/webhook-events.ts';
import { ERROR_CODES } from '../../src/http/error-codes.ts';
import { startTestApi } from '../helpers/api.ts';

interface Operation {
  operationId?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
}

t.test('the OpenAPI document is valid 3.1 and lists every registered route with auth and errors', async (t) => {
  const api = await startTestApi(t);
  const r = await api.call('GET', '/api/v1/openapi.json');
  t.equal(r.status, 200);
  const doc = r.body as {
    openapi: string;
    webhooks: Record<
      string,
      { post: { requestBody: { content: { 'application/json': { schema: { properties: { type: { const: string } } } } } } } }
    >;
    info: { description: string };
    paths: Record<string, Record<string, Operation>>;
  };
  t.equal(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc as Record<string, unknown>);
  t.equal(result.valid, true, JSON.stringify(result.errors)?.slice(0, 1000));

  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
  const internal = new Set(['/api/v1/openapi.json']);
  for (const route of api.app.routeList.filter((x) => x.url.startsWith('/api/') && !internal.has(x.url))) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    t.ok(documented.has(`${route.method} ${path}`), `${route.method} ${path} is documented`);
    const op = doc.paths[path]?.[route.method.toLowerCase()];
    t.match(op?.operationId, /^[a-z][A-Za-z]+$/, `${route.method} ${path} has an operationId`);
    t.ok((op?.description ?? '').length > 20, `${route.method} ${path} says in words what it does`);
    const body = op?.requestBody?.content?.['application/json'];
    if (body) t.ok(body.example, `${route.method} ${path} has a body example`);
    if (route.scopes) {
      const op = doc.paths[path]![route.method.toLowerCase()]!;
      t.same(op.security, [{ apiKey: [] }], `${route.method} ${path} declares the API key`);
      t.ok(op.responses['401'] && op.responses['403'], `${route.method} ${path} documents its error responses`);
    }
  }
  const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  t.same(Object.keys(doc.webhooks).sort(), [...WEBHOOK_EVENT_TYPES].sort(), 'every webhook event is described');
  for (const [type, w] of Object.entries(doc.webhooks))
    t.equal(w.post.requestBody.content['application/json'].schema.properties.type.const, type);
  for (const code of Object.keys(ERROR_CODES)) t.match(doc.info.description, `\`${code}\``, `error code ${code} is listed`);
  const ui = await fetch(`${api.base}/docs/`);
  t.equal(ui.status, 200, 'Swagger UI at /docs');
});

t.test('the error-code tables in docs/ are the ones src/http/error-codes.ts generates (make docs)', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const { GENERATED_DOCS } = await import('../../src/bin/docs.ts');
  for (const [file, text] of Object.entries(GENERATED_DOCS))
    t.equal(await readFile(file, 'utf8'), text, `${file} is current: run make docs`);
});
