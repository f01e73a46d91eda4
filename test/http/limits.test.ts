import t from 'tap';
import { ownerQuery } from '../helpers/db.ts';
import { startTestApi } from '../helpers/api.ts';

t.test('per-key rate limit → 429 in the error shape; other keys unaffected', async (t) => {
  const api = await startTestApi(t, { rateLimitPerMinute: 5 });
  const statuses: number[] = [];
  for (let n = 0; n < 7; n++) statuses.push((await api.call('GET', '/api/v1/sync/inbound/pending', { key: api.keys.hub })).status);
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429]);
  const limited = await api.call('GET', '/api/v1/sync/inbound/pending', { key: api.keys.hub });
  t.match(limited.body, { success: false, error: { code: 'RATE_LIMITED' } });
  t.equal((await api.call('GET', '/api/v1/sync/stats', { key: api.keys.admin })).status, 200, 'another key has its own budget');
});

t.test('a 500 carries the request id and nothing internal; secrets never reach responses', async (t) => {
  const api = await startTestApi(t);
  await ownerQuery(api.db, 'alter table sync_log rename to sync_log_gone');
  const r = await api.call('GET', '/api/v1/sync/logs', { key: api.keys.admin, headers: { 'x-request-id': 'req-abc-123' } });
  t.equal(r.status, 500);
  t.match(r.body, { success: false, error: { code: 'INTERNAL', details: { request_id: 'req-abc-123' } } });
  t.notMatch(JSON.stringify(r.body), /sync_log|relation|select|postgres/i, 'no SQL, no table names');
  t.notMatch(JSON.stringify(r.body), api.keys.admin, 'the key is not echoed');
});
