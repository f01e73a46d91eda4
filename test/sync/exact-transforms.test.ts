/**
 * Number and date rules on exact text: a payment amount never passes through a double, numbers
 * beyond 2^53 or written with an exponent keep every digit, and years 0001–0099 are themselves.
 */
import fc from 'fast-check';
import t from 'tap';
import type { TransformRule } from '../../src/sync/entity-config-schema.ts';
import { normalizeDecimal, roundDecimal } from '../../src/core/decimal.ts';
import { applyTransforms, TransformError } from '../../src/sync/transforms.ts';
import { parseWallClock } from '../../src/core/wall-clock.ts';

const BA = 'America/Argentina/Buenos_Aires';
const one = (rule: TransformRule, value: unknown, timeZone = BA) =>
  applyTransforms({ [rule.field]: value }, [rule], { timeZone })[rule.field];

t.test('number and round rules keep every digit', async (t) => {
  t.equal(one({ rule: 'number', field: 'f', scale: 2 }, '922337203685477.5807'), '922337203685477.58');
  t.equal(
    one({ rule: 'number', field: 'f', scale: 2 }, '-12345678901234.5650'),
    '-12345678901234.57',
    'half away from zero, on the digits',
  );
  t.equal(one({ rule: 'number', field: 'f' }, '2850590940090418135201'), '2850590940090418135201');
  t.equal(one({ rule: 'number', field: 'f', scale: 2 }, '1.005'), '1.01', 'a double would make 1.005 → 1.00');
  t.equal(one({ rule: 'round', field: 'f', digits: 0 }, '999999999999999.5'), '1000000000000000');
  t.equal(one({ rule: 'number', field: 'f' }, 1e21), '1000000000000000000000', 'a JSON number past 1e21 was "not a number"');
  t.equal(one({ rule: 'number', field: 'f' }, '1.5E-7'), '0.00000015');
  t.equal(one({ rule: 'number', field: 'f', scale: 4 }, 19.99), '19.9900', 'a JSON number at its shortest rendering');
  t.throws(() => one({ rule: 'number', field: 'importe' }, '1.500,00'), TransformError);
  t.equal(normalizeDecimal('-0.000'), '0.000');
});

t.test('property: number with a scale equals exact decimal rounding of the digits', async (t) => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: 0, max: 12 }),
      (units, scaleIn, scaleOut) => {
        const abs = (units < 0n ? -units : units).toString().padStart(scaleIn + 1, '0');
        const input = `${units < 0n ? '-' : ''}${scaleIn ? `${abs.slice(0, -scaleIn)}.${abs.slice(-scaleIn)}` : abs}`;
        // Reference: scale by powers of ten with BigInt and round half away from zero.
        const shift = scaleOut - scaleIn;
        const mag = units < 0n ? -units : units;
        let r = shift >= 0 ? mag * 10n ** BigInt(shift) : (mag + 5n * 10n ** BigInt(-shift - 1)) / 10n ** BigInt(-shift);
        r = units < 0n ? -r : r;
        const digits = (r < 0n ? -r : r).toString().padStart(scaleOut + 1, '0');
        const expected = `${r < 0n ? '-' : ''}${scaleOut ? `${digits.slice(0, -scaleOut)}.${digits.slice(-scaleOut)}` : digits}`;
        if (roundDecimal(input, scaleOut) !== expected)
          throw new Error(`${input} @${scaleOut}: ${roundDecimal(input, scaleOut)} ≠ ${expected}`);
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});

t.test('date rule: years 0001–0099 are accepted and stay themselves', async (t) => {
  t.equal(one({ rule: 'date', field: 'f', date_only: true }, '0001-01-01'), '0001-01-01');
  t.equal(one({ rule: 'date', field: 'f', date_only: true }, '0099-12-31'), '0099-12-31');
  t.equal(one({ rule: 'date', field: 'f' }, '0001-01-01 00:00:00', 'UTC'), '0001-01-01T00:00:00.000+00:00');
  t.equal(one({ rule: 'date', field: 'f' }, '0099-12-31T23:59:59.9999999', 'UTC'), '0099-12-31T23:59:59.9999999+00:00');
  t.equal(one({ rule: 'date', field: 'f' }, '0050-06-15T12:00:00Z', 'UTC'), '0050-06-15T12:00:00.000+00:00', 'with a zone too');
  t.equal(
    one({ rule: 'date', field: 'f' }, '0001-01-01T00:00:00', BA),
    '0001-01-01T00:00:00.000-03:54',
    'local mean time: the wall clock survives',
  );
  t.equal(one({ rule: 'date', field: 'f' }, '2026-03-01 09:30:00', BA), '2026-03-01T09:30:00.000-03:00');
  t.throws(() => one({ rule: 'date', field: 'alta' }, '0099-02-29'), {
    name: 'TransformError',
    message: /alta: "0099-02-29" is not a valid date/,
  });
  t.throws(() => one({ rule: 'date', field: 'alta' }, 'Mar 1'), { name: 'TransformError', message: /cannot read/ });
});

t.test('one wall-clock parser: shapes, zones, impossible dates', async (t) => {
  t.same(parseWallClock('0001-01-01')?.wall.toISOString(), '0001-01-01T00:00:00.000Z');
  t.same(parseWallClock('0099-12-31T23:59:59.9999999')?.fraction, '9999999');
  t.equal(parseWallClock('2026-03-01T09:30:00-03:00')?.offsetMinutes, -180);
  t.equal(parseWallClock('2026-03-01T09:30:00Z')?.offsetMinutes, 0);
  t.equal(parseWallClock('2026-03-01T09:30')?.wall.toISOString(), '2026-03-01T09:30:00.000Z');
  t.equal(parseWallClock('12'), undefined);
  t.throws(() => parseWallClock('2026-02-30'), RangeError);
  t.throws(() => parseWallClock('2026-03-01T24:00:00'), RangeError);
});

t.test('decimals already in normal form come back as they are; every other spelling is normalised', async (t) => {
  const cases: [unknown, string | undefined][] = [
    ['1234.50', '1234.50'],
    ['-0.01', '-0.01'],
    ['0', '0'],
    ['-0.00', '0.00'],
    ['-0', '0'],
    ['007.5', '7.5'],
    ['+1', '1'],
    ['1.', '1'],
    ['.5', '0.5'],
    [' 12.30 ', '12.30'],
    ['1e2', '100'],
    ['12.3.4', undefined],
    ['', undefined],
  ];
  t.same(
    cases.map(([v]) => normalizeDecimal(v)),
    cases.map(([, want]) => want),
  );
  t.same(
    ['19.99', '-0.00', '5', '-7', '1.005', '0.5'].map((v) => roundDecimal(v, 2)),
    ['19.99', '0.00', '5.00', '-7.00', '1.01', '0.50'],
  );
  t.same(
    ['5', '-0', '2.5'].map((v) => roundDecimal(v, 0)),
    ['5', '0', '3'],
  );
});
