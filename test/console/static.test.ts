/** The console's static files: served from memory with a strict CSP; no path reaches another file. */
import t from 'tap';
import { startTestApi } from '../helpers/api.ts';

t.test('console static files, CSP and path containment', async (t) => {
  const api = await startTestApi(t);
  const page = await fetch(`${api.base}/console`);
  t.equal(page.status, 200);
  t.match(page.headers.get('content-type'), /^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self'/);
  t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'no inline code allowed');
  t.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const html = await page.text();
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script in the page');
  t.notMatch(html, /https?:\/\//, 'nothing loaded from another host (no CDN)');

  const js = await fetch(`${api.base}/console/pages/overview.js`);
  t.equal(js.status, 200);
  t.match(js.headers.get('content-type'), /^text\/javascript/);
  t.match(await js.text(), /Ejecutar ahora|runNow/);
  t.equal((await fetch(`${api.base}/console/console.css`)).headers.get('content-type'), 'text/css; charset=utf-8');

  for (const path of [
    '/console/../package.json',
    '/console/%2e%2e/package.json',
    '/console/..%2fpackage.json',
    '/console/nope.js',
    '/console/app.ts',
  ])
    t.equal((await fetch(`${api.base}${path}`)).status === 200 ? 'served' : 'refused', 'refused', `${path} is not served`);
});
