/**
 * Exact DECIMAL / NUMERIC / MONEY / SMALLMONEY at the tedious boundary, in both directions.
 *
 * tedious decodes these types into a JS double (MONEY 922337203685477.5807 → …477.6) and encodes
 * them from one (`TYPES.Money` writes `(value * 10000) & -1`: 19.99 → 19.9899). The bytes on the
 * wire are exact integers, so this module works on them directly with BigInt:
 * - reading: `installExactDecoding()` replaces tedious's value-parser entry point (`readValue`,
 *   which the row and return-value token parsers call through the module's exports) with one that
 *   decodes these four types to exact decimal strings with the column's scale and delegates every
 *   other type to the original;
 * - writing: `ExactTypes` are tedious data types (same wire ids and declarations) whose `validate`
 *   keeps the value a decimal string and whose `writeValue` encodes it from that string. They are
 *   passed to `addParameter` and `BulkLoad.addColumn` like the built-in ones. The date types among
 *   them only fix tedious's range check, which used the process's local year.
 *
 * The reader depends on tedious internals, so the version is pinned (package.json, exact) and
 * checked here, as is the call the token parsers make: a different tedious fails at import with a
 * message saying what to review (docs/config.md, "Exact values"); test/erp/exact-decimals.test.ts
 * proves the replacement is in effect through a real connection.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TYPES } from 'tedious';
import { fromScaled, toScaled } from '../core/decimal.ts';

/** The tedious release whose value-parser and token parsers this module was reviewed against. */
export const REVIEWED_TEDIOUS_VERSION = '20.3.9';

type TediousType = (typeof TYPES)[keyof typeof TYPES];
interface ColumnMetadata {
  type: { name: string };
  scale?: number;
}
type ReadValue = (buf: Buffer, offset: number, metadata: ColumnMetadata, options: unknown) => { value: unknown; offset: number };
interface WriteBuffer {
  writeUInt8(v: number): void;
  writeInt32LE(v: number): void;
  writeBigUInt64LE(v: bigint): void;
  writeUInt32LE(v: number): void;
}

// Static imports of the CommonJS modules' export objects (the ones tedious's own parsers use), so a
// bundler (the site agent's single executable) links them like any other module.
import valueParserModule from 'tedious/lib/value-parser.js';
import helpersModule from 'tedious/lib/token/helpers.js';

const valueParser = valueParserModule as unknown as { readValue: ReadValue & { exact?: true } };
const helpers = helpersModule as unknown as {
  Result: new (value: unknown, offset: number) => { value: unknown; offset: number };
  NotEnoughDataError: new (byteCount: number) => unknown;
};

const MONEY_SCALE = 4;
const MONEY_MIN = -(2n ** 63n),
  MONEY_MAX = 2n ** 63n - 1n;
const SMALLMONEY_MIN = -(2n ** 31n),
  SMALLMONEY_MAX = 2n ** 31n - 1n;

/** The parsers throw this (not an Error) when a value spans the next packet; tedious retries with more bytes. */
function need(buf: Buffer, end: number): void {
  if (buf.length < end) throw new helpers.NotEnoughDataError(end);
}

/** MONEY is a signed 64-bit count of 1/10 000 as two 32-bit halves, high first; SMALLMONEY a signed 32-bit one. */
function readMoney(buf: Buffer, offset: number, size: number) {
  need(buf, offset + size);
  const units =
    size === 4 ? BigInt(buf.readInt32LE(offset)) : (BigInt(buf.readInt32LE(offset)) << 32n) | BigInt(buf.readUInt32LE(offset + 4));
  return new helpers.Result(fromScaled(units, MONEY_SCALE), offset + size);
}

/** DECIMAL/NUMERIC: a sign byte (1 = positive) and a little-endian unsigned magnitude of `size - 1` bytes. */
function readDecimal(buf: Buffer, offset: number, size: number, scale: number) {
  if (size !== 5 && size !== 9 && size !== 13 && size !== 17) throw new Error(`Unsupported numeric dataLength ${size}`);
  need(buf, offset + size);
  let magnitude = 0n;
  for (let i = size - 1; i >= 1; i--) magnitude = (magnitude << 8n) | BigInt(buf[offset + i]!);
  return new helpers.Result(fromScaled(buf[offset] === 1 ? magnitude : -magnitude, scale), offset + size);
}

function nullable(buf: Buffer, offset: number, read: (size: number, at: number) => { value: unknown; offset: number }) {
  need(buf, offset + 1);
  const size = buf[offset]!;
  return size === 0 ? new helpers.Result(null, offset + 1) : read(size, offset + 1);
}

const TOKEN_PARSERS = ['tedious/lib/token/row-token-parser.js', 'tedious/lib/token/returnvalue-token-parser.js'];

/**
 * Why the installed tedious cannot be made exact, or undefined when it can: it must be the reviewed
 * release, and its token parsers must look readValue up on the module at each call (otherwise the
 * replacement below would never be called).
 */
export function tediousReviewProblem(version: string, parserSources: Record<string, string>): string | undefined {
  const fix = 'review src/erp/tedious-exact.ts against it (docs/config.md, "Exact values")';
  if (version !== REVIEWED_TEDIOUS_VERSION)
    return `tedious ${version} is installed but src/erp/tedious-exact.ts was reviewed against ${REVIEWED_TEDIOUS_VERSION}: ${fix}, then update REVIEWED_TEDIOUS_VERSION`;
  for (const [parser, source] of Object.entries(parserSources)) {
    if (!source.includes('(0, _valueParser.readValue)('))
      return `${parser} no longer calls readValue through the value-parser module: ${fix}`;
  }
  return undefined;
}

/** Installs the exact reader once per process (idempotent). Throws if tedious is not the reviewed release. */
export function installExactDecoding(): void {
  if (valueParser.readValue.exact) return;
  // From node_modules the installed release is checked; inside the agent's bundle (no import.meta.url,
  // no files) the check ran when the bundle was built and tested.
  if (import.meta.url) {
    const require = createRequire(import.meta.url);
    const { version } = require('tedious/package.json') as { version: string };
    const problem = tediousReviewProblem(
      version,
      Object.fromEntries(TOKEN_PARSERS.map((p) => [p, readFileSync(require.resolve(p), 'utf8')])),
    );
    if (problem) throw new Error(problem);
  }
  const original = valueParser.readValue;
  const exact: ReadValue & { exact?: true } = (buf, offset, metadata, options) => {
    switch (metadata.type.name) {
      case 'Money':
        return readMoney(buf, offset, 8);
      case 'SmallMoney':
        return readMoney(buf, offset, 4);
      case 'MoneyN':
        return nullable(buf, offset, (size, at) => {
          if (size !== 4 && size !== 8) throw new Error(`Unsupported dataLength ${size} for MoneyN`);
          return readMoney(buf, at, size);
        });
      case 'DecimalN':
      case 'NumericN':
        return nullable(buf, offset, (size, at) => readDecimal(buf, at, size, metadata.scale ?? 0));
      default:
        return original(buf, offset, metadata, options);
    }
  };
  exact.exact = true;
  valueParser.readValue = exact;
}

/** True when the exact reader is the one tedious calls (tests assert it). */
export const exactDecodingInstalled = (): boolean => valueParser.readValue.exact === true;

/** A value to bind: `null`, or the exact decimal text of `v` (a string, a number at its shortest rendering, a bigint). */
function decimalOrNull(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  toScaled(v, 0); // throws TypeError('… is not a decimal number') before anything is written
  return typeof v === 'string' ? v.trim() : String(v);
}

function moneyType(base: TediousType, size: 4 | 8, [min, max]: [bigint, bigint]): TediousType {
  return {
    ...base,
    validate(value: unknown) {
      const text = decimalOrNull(value);
      if (text === null) return null;
      const units = toScaled(text, MONEY_SCALE);
      if (units < min || units > max)
        throw new TypeError(`${text} is out of range for ${base.name.toUpperCase()} (${fromScaled(min, 4)} to ${fromScaled(max, 4)})`);
      return text;
    },
    writeValue(buffer: WriteBuffer, parameter: { value: unknown }) {
      if (parameter.value == null) return buffer.writeUInt8(0);
      const units = BigInt.asUintN(64, toScaled(parameter.value, MONEY_SCALE));
      buffer.writeUInt8(size);
      if (size === 8) buffer.writeUInt32LE(Number(units >> 32n));
      buffer.writeUInt32LE(Number(units & 0xffffffffn));
    },
  } as TediousType;
}

/** Bytes of a DECIMAL/NUMERIC magnitude at `precision` (the wire's 4/8/12/16). */
const magnitudeBytes = (precision: number) => (precision <= 9 ? 4 : precision <= 19 ? 8 : precision <= 28 ? 12 : 16);

function decimalType(base: TediousType): TediousType {
  return {
    ...base,
    validate: (value: unknown) => decimalOrNull(value),
    writeValue(buffer: WriteBuffer, parameter: { value: unknown; precision?: number; scale?: number }) {
      if (parameter.value == null) return buffer.writeUInt8(0);
      const precision = parameter.precision ?? 18;
      const scale = parameter.scale ?? 0;
      const units = toScaled(parameter.value, scale);
      let magnitude = units < 0n ? -units : units;
      // SQL Server rejects a magnitude with more digits than the precision; say so here, naming the type.
      if (magnitude >= 10n ** BigInt(precision))
        throw new RangeError(`${String(parameter.value)} does not fit ${base.name.toUpperCase()}(${precision}, ${scale})`);
      const bytes = magnitudeBytes(precision);
      buffer.writeUInt8(bytes + 1);
      buffer.writeUInt8(units < 0n ? 0 : 1);
      for (let i = 0; i < bytes / 4; i++, magnitude >>= 32n) buffer.writeUInt32LE(Number(magnitude & 0xffffffffn));
    },
  } as TediousType;
}

/**
 * tedious's date types check the 0001–9999 range on the process's LOCAL year (their `validate` is
 * never given `useUTC`), so with TZ west of UTC `0001-01-01T00:00Z` is year 0 and refused. The
 * connection writes the UTC fields (useUTC), so the range is checked on those.
 */
function utcDateType(base: TediousType): TediousType {
  return {
    ...base,
    validate(value: unknown) {
      if (value === null || value === undefined) return null;
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError('Invalid date.');
      const year = value.getUTCFullYear();
      if (year < 1 || year > 9999) throw new TypeError('Out of range.');
      return value;
    },
  } as TediousType;
}

/**
 * Drop-in replacements for `TYPES.Money`, `SmallMoney`, `Decimal`, `Numeric` that bind decimal
 * strings exactly, and for `Date`, `DateTime2`, `DateTimeOffset` that accept year 0001 in any TZ.
 */
export const ExactTypes = {
  Money: moneyType(TYPES.Money, 8, [MONEY_MIN, MONEY_MAX]),
  SmallMoney: moneyType(TYPES.SmallMoney, 4, [SMALLMONEY_MIN, SMALLMONEY_MAX]),
  Decimal: decimalType(TYPES.Decimal),
  Numeric: decimalType(TYPES.Numeric),
  Date: utcDateType(TYPES.Date),
  DateTime2: utcDateType(TYPES.DateTime2),
  DateTimeOffset: utcDateType(TYPES.DateTimeOffset),
} as const;

installExactDecoding();
