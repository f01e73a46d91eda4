import t from 'tap';
import { normalizeDecimal, roundDecimal } from '../../src/core/decimal.ts';
import type { TransformRule } from '../../src/sync/entity-config-schema.ts';
import { toZonedIso } from '../../src/core/timezone.ts';
import { applyTransforms, mapFields, mapHubToErp, TransformError } from '../../src/sync/transforms.ts';

const BA = 'America/Argentina/Buenos_Aires';

/** One rule on one value: the value out. */
const one = (rule: TransformRule, value: unknown, timeZone = BA) =>
  applyTransforms({ [rule.field]: value }, [rule], { timeZone })[rule.field];

t.test('text rules', async (t) => {
  t.equal(one({ rule: 'trim', field: 'f' }, '  Ñandú S.A.  '), 'Ñandú S.A.');
  t.equal(one({ rule: 'upper', field: 'f' }, 'ñandú'), 'ÑANDÚ');
  t.equal(one({ rule: 'lower', field: 'f' }, 'COMPRAS@NANDU.COM.AR'), 'compras@nandu.com.ar');
  t.equal(one({ rule: 'trim', field: 'f' }, 42), 42, 'non-strings pass through text rules');
  t.equal(one({ rule: 'null_if_empty', field: 'f' }, '   '), null);
  t.equal(one({ rule: 'null_if_empty', field: 'f' }, ' x '), ' x ');
  t.equal(one({ rule: 'substring', field: 'f', start: 4 }, 'PRV-000123'), '000123');
  t.equal(one({ rule: 'substring', field: 'f', start: 0, length: 3 }, 'PRV-000123'), 'PRV');
  t.equal(
    one({ rule: 'regex_replace', field: 'f', pattern: '[^0-9]', replacement: '' }, '30-71234567-9'),
    '30712345679',
    'global by default',
  );
  t.equal(
    one({ rule: 'regex_replace', field: 'f', pattern: 'a', replacement: 'o', flags: 'i' }, 'AAa'),
    'oAa',
    'explicit flags without g: first match only',
  );
  t.equal(
    one({ rule: 'regex_replace', field: 'f', pattern: '^(\\d{2})(\\d{8})(\\d)$', replacement: '$1-$2-$3' }, '30712345679'),
    '30-71234567-9',
    'capture groups',
  );
  const rule: TransformRule = { rule: 'regex_replace', field: 'f', pattern: '\\s+', replacement: ' ' };
  for (let i = 0; i < 3; i++) t.equal(one(rule, 'a   b  c'), 'a b c', `a compiled (global) pattern is reused safely, run ${i}`);
});

t.test('default, remove, map, concat', async (t) => {
  t.equal(one({ rule: 'default', field: 'f', value: 'ARS' }, null), 'ARS');
  t.equal(one({ rule: 'default', field: 'f', value: 'ARS' }, ''), 'ARS');
  t.equal(one({ rule: 'default', field: 'f', value: 'ARS' }, 'USD'), 'USD');
  t.same(
    applyTransforms({}, [{ rule: 'default', field: 'pais', value: 'AR' }], { timeZone: BA }),
    { pais: 'AR' },
    'a missing field gets its default',
  );
  t.same(applyTransforms({ a: 1, interno: 2 }, [{ rule: 'remove', field: 'interno' }], { timeZone: BA }), { a: 1 });
  const map: TransformRule = { rule: 'map', field: 'f', values: { A: 'ACTIVE', B: 'BLOCKED', '1': true }, default: 'UNKNOWN' };
  t.equal(one(map, 'A'), 'ACTIVE');
  t.equal(one(map, 1), true, 'keys are compared as text');
  t.equal(one(map, 'Z'), 'UNKNOWN');
  t.equal(one({ rule: 'map', field: 'f', values: { A: 'ACTIVE' } }, 'Z'), 'Z', 'no default: unchanged');
  t.equal(one({ rule: 'map', field: 'f', values: {} }, 'toString'), 'toString', 'inherited names are not map keys');
  const concat = applyTransforms(
    { calle: 'Av. Siempre Viva', numero: 742, piso: null, depto: '' },
    [{ rule: 'concat', field: 'domicilio', fields: ['calle', 'numero', 'piso', 'depto'] }],
    { timeZone: BA },
  );
  t.equal(concat.domicilio, 'Av. Siempre Viva 742', 'empty parts are skipped, space by default');
  t.equal(
    applyTransforms({ a: 'x', b: 'y' }, [{ rule: 'concat', field: 'c', fields: ['a', 'b'], separator: '-' }], { timeZone: BA }).c,
    'x-y',
  );
});

t.test('number and round keep exact decimal strings', async (t) => {
  t.equal(one({ rule: 'number', field: 'f' }, '1234.50'), '1234.50', 'trailing zeros (the scale) are kept');
  t.equal(one({ rule: 'number', field: 'f' }, ' 001234.50 '), '1234.50');
  t.equal(one({ rule: 'number', field: 'f' }, '99999999999999999999.99'), '99999999999999999999.99', 'beyond a double, still exact');
  t.equal(one({ rule: 'number', field: 'f' }, 0.1), '0.1', 'a JS number at its shortest exact rendering');
  t.equal(one({ rule: 'number', field: 'f', scale: 2 }, '1234.565'), '1234.57', 'half away from zero');
  t.equal(one({ rule: 'number', field: 'f', scale: 2 }, '-1.005'), '-1.01');
  t.equal(one({ rule: 'number', field: 'f', scale: 2 }, '7'), '7.00');
  t.equal(one({ rule: 'number', field: 'f', scale: 2 }, '-0.001'), '0.00', 'no negative zero');
  t.equal(one({ rule: 'round', field: 'f', digits: 0 }, '9.5'), '10');
  t.equal(one({ rule: 'number', field: 'f' }, null), null, 'null stays null');
  t.throws(() => one({ rule: 'number', field: 'total' }, 'doce'), {
    name: 'TransformError',
    field: 'total',
    code: 'TRANSFORM_FAILED',
    message: /^total: "doce" is not a number/,
  });
  t.throws(() => one({ rule: 'number', field: 'f' }, '12,5'), TransformError, 'a comma is not a decimal point (no locale guessing)');
  t.equal(normalizeDecimal('-0.00'), '0.00');
  t.equal(roundDecimal('0.4', 0), '0');
});

t.test('integer and boolean', async (t) => {
  t.equal(one({ rule: 'integer', field: 'f' }, '12'), 12);
  t.equal(one({ rule: 'integer', field: 'f' }, '12.00'), 12, 'DECIMAL(12,2) quantities');
  t.equal(one({ rule: 'integer', field: 'f' }, -3), -3);
  t.throws(() => one({ rule: 'integer', field: 'f' }, '12.5'), { message: /^f: "12.5" is not an integer/ });
  t.throws(() => one({ rule: 'integer', field: 'f' }, '9007199254740993'), TransformError, 'beyond a safe integer: refused, not rounded');
  for (const v of ['S', 's', 'Sí', '1', 1, 'true', 'Y', 'yes'])
    t.equal(one({ rule: 'boolean', field: 'f' }, v), true, `${JSON.stringify(v)} → true`);
  for (const v of ['N', 'no', '0', 0, 'false', ' '])
    t.equal(one({ rule: 'boolean', field: 'f' }, v), false, `${JSON.stringify(v)} → false`);
  t.equal(one({ rule: 'boolean', field: 'f' }, false), false, 'a BIT column is already boolean');
  t.equal(one({ rule: 'boolean', field: 'f' }, null), null);
  t.throws(() => one({ rule: 'boolean', field: 'activo' }, 'quizás'), { message: /^activo: "quizás" is not a boolean/ });
  t.equal(one({ rule: 'boolean', field: 'f', true_values: ['A'] }, 'a'), true, 'true_values, case-insensitive');
  t.equal(one({ rule: 'boolean', field: 'f', true_values: ['A'] }, 'quizás'), false, 'with true_values everything else is false');
});

t.test('date: ISO-8601 with the offset of the tenant time zone', async (t) => {
  const date: TransformRule = { rule: 'date', field: 'f' };
  t.equal(one(date, '2026-03-01 09:30:00'), '2026-03-01T09:30:00.000-03:00', 'a zone-less ERP datetime is the tenant wall clock');
  t.equal(one(date, '2026-03-01T09:30:00.1234567'), '2026-03-01T09:30:00.1234567-03:00', 'datetime2(7): all 7 digits kept');
  t.equal(one(date, '2026-03-01'), '2026-03-01T00:00:00.000-03:00');
  t.equal(one(date, '2026-03-01T12:30:00Z'), '2026-03-01T09:30:00.000-03:00', 'an instant is shown in the tenant zone');
  t.equal(one(date, '2026-03-01T12:30:00.5+01:00'), '2026-03-01T08:30:00.500-03:00');
  t.equal(one(date, new Date('2026-03-01T12:30:00Z')), '2026-03-01T09:30:00.000-03:00', 'a Date instance');
  t.equal(one(date, '2026-07-01 12:00:00', 'Europe/Madrid'), '2026-07-01T12:00:00.000+02:00', 'summer time');
  t.equal(one(date, '2026-01-01 12:00:00', 'Europe/Madrid'), '2026-01-01T12:00:00.000+01:00', 'winter time');
  t.equal(
    one({ rule: 'date', field: 'f', timezone: 'UTC' }, '2026-03-01 09:30:00'),
    '2026-03-01T09:30:00.000+00:00',
    'the rule may name its own zone',
  );
  t.equal(
    one({ rule: 'date', field: 'f', date_only: true }, '2026-03-01T02:30:00Z'),
    '2026-02-28',
    'date_only: the calendar day in the tenant zone',
  );
  t.equal(one({ rule: 'date', field: 'f', date_only: true }, '2026-03-01'), '2026-03-01');
  t.equal(toZonedIso(new Date('2026-07-01T12:00:00Z'), 'Europe/Madrid'), '2026-07-01T14:00:00.000+02:00');
  for (const bad of [
    'not a date',
    '12',
    'Mar 1 2026',
    '2026-02-30',
    '2026-13-01 00:00:00',
    '2026-03-01 24:00:00',
    '2026-02-30T00:00:00Z',
    1_700_000_000_000,
  ]) {
    t.throws(() => one(date, bad), { name: 'TransformError', message: /^f: / }, `${JSON.stringify(bad)} is refused`);
  }
  t.equal(one(date, null), null);
});

t.test('rules run in order on a copy', async (t) => {
  const input = { nombre: '  acme  ', total: '10.5' };
  const out = applyTransforms(
    input,
    [
      { rule: 'trim', field: 'nombre' },
      { rule: 'upper', field: 'nombre' },
      { rule: 'number', field: 'total', scale: 2 },
    ],
    { timeZone: BA },
  );
  t.same(out, { nombre: 'ACME', total: '10.50' });
  t.same(input, { nombre: '  acme  ', total: '10.5' }, 'the input is not modified');
  const proto = applyTransforms({}, [{ rule: 'default', field: '__proto__', value: { polluted: true } }], { timeZone: BA });
  t.equal(Object.getPrototypeOf(proto), Object.prototype, 'a field named __proto__ is a plain field');
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('field mapping', async (t) => {
  t.same(
    mapFields({ CodProv: 'P1', RazonSocial: 'Acme', Extra: 1 }, { CodProv: 'id', RazonSocial: 'nombre' }),
    { id: 'P1', nombre: 'Acme' },
    'unmapped columns dropped',
  );
  t.same(
    mapFields({ CodProv: 'P1' }, { CodProv: 'id', Falta: 'falta' }),
    { id: 'P1' },
    'a mapped column the row lacks is absent, not undefined',
  );
  t.same(mapFields({ a: 1 }, undefined), { a: 1 }, 'no mapping: the row as is');
  t.same(mapFields({ a: 1 }, {}), { a: 1 });
  t.same(mapFields({}, { constructor: 'c', toString: 't' }), {}, 'inherited names are not columns');
  const { header, items } = mapHubToErp(
    {
      numero: 'OC-1',
      total: '10.00',
      items: [
        { articulo: 'A', cantidad: 2, nota: 'x' },
        { articulo: 'B', cantidad: 1 },
      ],
    },
    { hub_to_erp: { numero: 'Numero', total: 'Total' }, items: { from: 'items', mapping: { articulo: 'CodArt', cantidad: 'Cantidad' } } },
  );
  t.same(header, { Numero: 'OC-1', Total: '10.00' }, 'the lines are not part of the header');
  t.same(items, [
    { CodArt: 'A', Cantidad: 2 },
    { CodArt: 'B', Cantidad: 1 },
  ]);
  t.same(
    mapHubToErp({ numero: 'R-1' }, { hub_to_erp: { numero: 'Numero' }, items: { from: 'items', mapping: {} } }).items,
    [],
    'no lines in the payload',
  );
});

t.test('hubFieldsOf: the Hub-side fields of a config, typed by its transform rules', async (t) => {
  const { hubFieldsOf } = await import('../../src/sync/hub-schema.ts');
  t.same(
    hubFieldsOf({
      direction: 'BOTH',
      field_mapping: {
        erp_to_hub: { CodProv: 'id', Saldo: 'saldo', Alta: 'alta' },
        hub_to_erp: { total: 'Total', fecha: 'Fecha' },
        items: { from: 'items', mapping: { cantidad: 'Cantidad' } },
      },
      transform_rules: [
        { rule: 'number', field: 'saldo', scale: 2 },
        { rule: 'date', field: 'alta', date_only: true },
        { rule: 'trim', field: 'id' },
        { rule: 'number', field: 'total' },
        { rule: 'integer', field: 'cantidad' },
      ],
    }),
    {
      receives: [
        { name: 'id', type: 'string' },
        { name: 'saldo', type: 'decimal' },
        { name: 'alta', type: 'date' },
      ],
      sends: [
        { name: 'total', type: 'decimal' },
        { name: 'fecha', type: 'unknown' },
        { name: 'items', type: 'array', fields: [{ name: 'cantidad', type: 'integer' }] },
      ],
    },
  );
});
