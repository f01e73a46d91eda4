import t from 'tap';
import { z } from 'zod';
import { uuidV7 } from '../../src/core/uuid-v7.ts';

t.test('a v7 UUID carries its millisecond, version 7 and the RFC variant, and sorts by time', async (t) => {
  const ms = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
  const id = uuidV7(ms);
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(parseInt(id.replaceAll('-', '').slice(0, 12), 16), ms, 'the first 48 bits are the Unix milliseconds');
  t.ok(z.uuid().safeParse(id).success, 'a sync_id as the API validates it');
  const ids = Array.from({ length: 1000 }, (_, i) => uuidV7(ms + i));
  t.same([...ids].sort(), ids, 'later milliseconds sort after earlier ones');
  t.equal(new Set(Array.from({ length: 10_000 }, () => uuidV7(ms))).size, 10_000, 'ids of one millisecond differ');
});
