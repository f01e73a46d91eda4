import t from 'tap';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestApi } from '../helpers/api.ts';

t.test('the OpenAPI document is valid 3.1 and lists every registered route with auth and errors', async (t) => {
  const api = await startTestApi(t);
  const r = await api.call('GET', '/api/v1/openapi.json');
  t.equal(r.status, 200);
  const doc = r.body as { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>> };
  t.equal(doc.openapi, '3.1.0');
  const result = await new Validator().validate(doc as Record<string, unknown>);
  t.equal(result.valid, true, JSON.stringify(result.errors)?.slice(0, 1000));

  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
  const internal = new Set(['/api/v1/openapi.json']);
  for (const route of api.app.routeList.filter((x) => x.url.startsWith('/api/') && !internal.has(x.url))) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    t.ok(documented.has(`${route.method} ${path}`), `${route.method} ${path} is documented`);
    if (route.scopes) {
      const op = doc.paths[path]![route.method.toLowerCase()]!;
      t.same(op.security, [{ apiKey: [] }], `${route.method} ${path} declares the API key`);
      t.ok(op.responses['401'] && op.responses['403'], `${route.method} ${path} documents its error responses`);
    }
  }
  const ui = await fetch(`${api.base}/docs/`);
  t.equal(ui.status, 200, 'Swagger UI at /docs');
});
