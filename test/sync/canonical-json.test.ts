import t from 'tap';
import { createHash } from 'node:crypto';
import { canonicalJson, payloadHash } from '../../src/sync/canonical-json.ts';

t.test('keys sorted recursively, no whitespace', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  t.equal(canonicalJson({ B: 1, a: 2, _: 3, '10': 4, '9': 5 }), '{"10":4,"9":5,"B":1,"_":3,"a":2}', 'code-unit order, digits as text');
  t.equal(canonicalJson({ é: 1, z: 2 }), '{"z":2,"é":1}');
  t.equal(canonicalJson([3, undefined, 'x']), '[3,null,"x"]', 'arrays keep their order; undefined is null as in JSON');
  t.equal(canonicalJson('línea "1"\n'), JSON.stringify('línea "1"\n'), 'strings escaped as JSON.stringify does');
  t.equal(canonicalJson({ d: new Date('2026-03-01T12:00:00Z') }), '{"d":"2026-03-01T12:00:00.000Z"}', 'toJSON is honoured');
  t.equal(canonicalJson({ n: Number.NaN, i: 1e21, z: -0 }), '{"i":1e+21,"n":null,"z":0}');
  t.equal(canonicalJson(null), 'null');
  t.equal(canonicalJson(undefined), 'null');
  t.throws(() => canonicalJson({ big: 1n }), TypeError, 'a bigint is not JSON (callers pass exact decimal strings)');
  const nested = { z: { y: { x: { w: [{ b: 2, a: 1 }] } } } };
  t.same(JSON.parse(canonicalJson(nested)), nested, 'still the same JSON value');
});

t.test('the hash depends on values, never on key order', async (t) => {
  const a = { CodProv: 'P1', nombre: 'Acme', saldo: '1234.50', items: [{ b: 1, a: 2 }] };
  const b = { items: [{ a: 2, b: 1 }], saldo: '1234.50', nombre: 'Acme', CodProv: 'P1' };
  t.equal(payloadHash(a), payloadHash(b));
  t.equal(payloadHash(a), createHash('sha256').update(canonicalJson(b)).digest('hex'), 'SHA-256 of the canonical text');
  t.not(payloadHash({ x: '1.50' }), payloadHash({ x: '1.5' }), 'a different decimal scale is a different value');
  t.not(payloadHash({ x: 1 }), payloadHash({ x: '1' }));
  t.not(payloadHash({ items: [1, 2] }), payloadHash({ items: [2, 1] }), 'array order matters');
  t.equal(payloadHash({ a: 1, gone: undefined }), payloadHash({ a: 1 }));
  t.match(payloadHash({}), /^[0-9a-f]{64}$/);
  // Pinned: a change of canonical form would re-version every stored record on the next pull.
  t.equal(payloadHash({ b: 'x', a: [1, true, null] }), createHash('sha256').update('{"a":[1,true,null],"b":"x"}').digest('hex'));
  t.equal(payloadHash({}), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
});

t.test('records in a row: one key list, a different one of the same length, then the first again', async (t) => {
  // canonicalJson reuses the order of the last key list it sorted; every switch must re-sort.
  const byMapping = (i: number) => ({ id: `P${i}`, nombre: 'Acme', saldo: '1.50' });
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) seen.push(canonicalJson(byMapping(i)));
  seen.push(canonicalJson({ saldo: '1.50', id: 'P9', nombre: 'Acme' }), canonicalJson({ zz: 1, aa: 2, mm: 3 }));
  seen.push(canonicalJson({ id: 'P3', nombre: { saldo: 2, id: 1, nombre: 0 }, saldo: '1.50' }), canonicalJson(byMapping(4)));
  t.same(seen, [
    '{"id":"P0","nombre":"Acme","saldo":"1.50"}',
    '{"id":"P1","nombre":"Acme","saldo":"1.50"}',
    '{"id":"P2","nombre":"Acme","saldo":"1.50"}',
    '{"id":"P9","nombre":"Acme","saldo":"1.50"}',
    '{"aa":2,"mm":3,"zz":1}',
    '{"id":"P3","nombre":{"id":1,"nombre":0,"saldo":2},"saldo":"1.50"}',
    '{"id":"P4","nombre":"Acme","saldo":"1.50"}',
  ]);
});
