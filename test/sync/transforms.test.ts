import t from 'tap';
import { canonicalJson, payloadHash } from '../../src/sync/canonical-json.ts';
import { cronProblem } from '../../src/sync/cron.ts';
import { normalizeDecimal, roundDecimal } from '../../src/sync/decimal.ts';
import { applyTransforms, mapFields, mapHubToErp, TransformError } from '../../src/sync/transforms.ts';
import { toZonedIso } from '../../src/sync/timezone.ts';

const BA = 'America/Argentina/Buenos_Aires';

t.test('canonical JSON sorts keys recursively; the hash ignores key order only', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  t.equal(payloadHash({ x: '1.50', y: 2 }), payloadHash({ y: 2, x: '1.50' }));
  t.not(payloadHash({ x: '1.50' }), payloadHash({ x: '1.5' }), 'a different value is a different hash');
  t.match(payloadHash({}), /^[0-9a-f]{64}$/);
});

t.test('exact decimals', async (t) => {
  t.equal(normalizeDecimal(' 001234.50 '), '1234.50');
  t.equal(normalizeDecimal('-0.00'), '0.00');
  t.equal(normalizeDecimal(0.1), '0.1');
  t.equal(normalizeDecimal('12,5'), undefined);
  t.equal(normalizeDecimal('99999999999999999999.99'), '99999999999999999999.99', 'beyond a double, still exact');
  t.equal(roundDecimal('1234.565', 2), '1234.57');
  t.equal(roundDecimal('-1.005', 2), '-1.01');
  t.equal(roundDecimal('7', 2), '7.00');
  t.equal(roundDecimal('0.4', 0), '0');
});

t.test('every rule: value in → value out', async (t) => {
  const row = {
    nombre: '  Ñandú S.A.  ', cuit: '30-71234567-9', email: 'COMPRAS@NANDU.COM.AR', vacio: '   ', total: '1234.565', cantidad: '12', activo: 'S',
    alta: '2026-03-01 09:30:00', alta7: '2026-03-01 09:30:00.1234567', estado: 'A', calle: 'Av. Siempre Viva', numero: 742, sobra: 'x', codigo: 'PRV-000123',
  };
  const out = applyTransforms(row, [
    { rule: 'trim', field: 'nombre' }, { rule: 'upper', field: 'nombre' }, { rule: 'lower', field: 'email' },
    { rule: 'null_if_empty', field: 'vacio' }, { rule: 'default', field: 'pais', value: 'AR' },
    { rule: 'number', field: 'total', scale: 2 }, { rule: 'integer', field: 'cantidad' }, { rule: 'boolean', field: 'activo' },
    { rule: 'date', field: 'alta' }, { rule: 'date', field: 'alta7' }, { rule: 'map', field: 'estado', values: { A: 'ACTIVE', B: 'BLOCKED' }, default: 'UNKNOWN' },
    { rule: 'regex_replace', field: 'cuit', pattern: '-', replacement: '' }, { rule: 'concat', field: 'domicilio', fields: ['calle', 'numero'], separator: ' ' },
    { rule: 'remove', field: 'sobra' }, { rule: 'substring', field: 'codigo', start: 4 }, { rule: 'round', field: 'cantidad', digits: 1 },
  ], { timeZone: BA });
  t.same(out, {
    nombre: 'ÑANDÚ S.A.', cuit: '30712345679', email: 'compras@nandu.com.ar', vacio: null, pais: 'AR', total: '1234.57', cantidad: '12.0', activo: true,
    alta: '2026-03-01T09:30:00.000-03:00', alta7: '2026-03-01T09:30:00.1234567-03:00', estado: 'ACTIVE', calle: 'Av. Siempre Viva', numero: 742,
    domicilio: 'Av. Siempre Viva 742', codigo: '000123',
  });
  t.equal(applyTransforms({ d: '2026-03-01T12:30:00Z' }, [{ rule: 'date', field: 'd', date_only: true }], { timeZone: BA }).d, '2026-03-01');
  t.equal(toZonedIso(new Date('2026-07-01T12:00:00Z'), 'Europe/Madrid'), '2026-07-01T14:00:00.000+02:00', 'DST offset of the instant');
  t.throws(() => applyTransforms({ total: 'doce' }, [{ rule: 'number', field: 'total' }], { timeZone: BA }), TransformError);
  t.throws(() => applyTransforms({ f: 'not a date' }, [{ rule: 'date', field: 'f' }], { timeZone: BA }), { message: /^f: cannot read/ });
});

t.test('field mapping', async (t) => {
  t.same(mapFields({ CodProv: 'P1', RazonSocial: 'Acme', Extra: 1 }, { CodProv: 'id', RazonSocial: 'nombre' }), { id: 'P1', nombre: 'Acme' });
  t.same(mapFields({ a: 1 }, undefined), { a: 1 });
  const { header, items } = mapHubToErp(
    { numero: 'OC-1', total: '10.00', items: [{ articulo: 'A', cantidad: 2 }, { articulo: 'B', cantidad: 1 }] },
    { hub_to_erp: { numero: 'Numero', total: 'Total' }, items: { from: 'items', mapping: { articulo: 'CodArt', cantidad: 'Cantidad' } } },
  );
  t.same(header, { Numero: 'OC-1', Total: '10.00' });
  t.same(items, [{ CodArt: 'A', Cantidad: 2 }, { CodArt: 'B', Cantidad: 1 }]);
});

t.test('cron check', async (t) => {
  for (const ok of ['*/15 * * * *', '0 2 * * *', '0 6 * * mon-fri', '30 1 1,15 * *', '0 0 * jan *']) t.equal(cronProblem(ok), undefined, ok);
  t.match(cronProblem('* * * *'), /5 fields/);
  t.match(cronProblem('61 * * * *'), /minute/);
  t.match(cronProblem('0 25 * * *'), /hour/);
  t.match(cronProblem("0 0 * * 1; DROP TABLE x"), /fields|day of week/);
});
