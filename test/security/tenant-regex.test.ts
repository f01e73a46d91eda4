/** Issue 10 §2: tenant patterns run on RE2 (linear time), so a hostile pattern cannot stall the event loop for every tenant. */
import t from 'tap';
import { transformRuleSchema } from '../../src/sync/entity-config-schema.ts';
import { applyTransforms } from '../../src/sync/transforms.ts';

t.test('(a|a)+$ against a long non-matching value completes (a backtracking engine would need ~2^n steps)', async (t) => {
  const rule = transformRuleSchema.parse({ rule: 'regex_replace', field: 'v', pattern: '(a|a)+$', replacement: 'X' });
  const value = 'a'.repeat(5000) + '!';
  t.same(applyTransforms({ v: value }, [rule], { timeZone: 'UTC' }), { v: value }, 'no match, value unchanged');
  t.same(applyTransforms({ v: 'baaa' }, [rule], { timeZone: 'UTC' }), { v: 'bX' }, 'and it still matches what it should');
});

t.test('JavaScript-style flags and replacements keep working on RE2', async (t) => {
  const apply = (r: object, v: string) =>
    applyTransforms({ v }, [transformRuleSchema.parse({ rule: 'regex_replace', field: 'v', ...r })], { timeZone: 'UTC' }).v;
  t.equal(apply({ pattern: '[^0-9]', replacement: '' }, '20-12345678-9'), '20123456789', 'g by default: every match');
  t.equal(apply({ pattern: '-', replacement: '', flags: 'i' }, 'a-b-c'), 'ab-c', 'without g: the first match');
  t.equal(apply({ pattern: 'ABC', replacement: 'x', flags: 'gi' }, 'abc-ABC'), 'x-x', 'i');
  t.equal(apply({ pattern: '(\\d+)-(\\d+)', replacement: '$2/$1' }, '12-34'), '34/12', 'numbered groups');
  t.equal(apply({ pattern: '^x', replacement: 'y', flags: 'gm' }, 'x\nx'), 'y\ny', 'm');
});
