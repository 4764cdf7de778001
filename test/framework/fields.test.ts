import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseField, type FieldSchema } from '../../src/framework/fields.js';
import { exceedsJSONDepth, parseClientJSON } from '../../src/framework/json.js';
import { CofferError } from '../../src/lib/errors.js';

const refusal = (schema: FieldSchema, v: unknown): string => {
  try {
    parseField('f', schema, v);
  } catch (e) {
    assert.ok(e instanceof CofferError && e.status === 400, `a 400, got ${String(e)}`);
    return e.message;
  }
  throw new Error(`accepted ${JSON.stringify(v)}`);
};

test('values that fit their type parse as Vault parses them (null is the zero value)', () => {
  const cases: [FieldSchema['type'], unknown, unknown][] = [
    ['int', '42', 42], ['int', -7, -7], ['int', null, 0],
    ['bool', 'true', true], ['bool', 0, false], ['bool', null, false],
    ['duration', '1h30m', 5400], ['duration', 90, 90], ['duration', null, 0], ['duration', '', 0],
    ['signed_duration', '-1h', -3600], ['signed_duration', -1, -1],
    ['string', 12, '12'], ['string', null, ''],
    ['strings', 'a, b,,c', ['a', 'b', 'c']], ['strings', null, []],
    ['int_list', '1,2', [1, 2]], ['map', '{"a":1}', { a: 1 }], ['kvpairs', ['k=v'], { k: 'v' }],
  ];
  for (const [type, input, want] of cases) assert.deepEqual(parseField('f', { type }, input), want, `${type} ${JSON.stringify(input)}`);
});

test('values that do not fit are 400s naming the field, in Vault wording', () => {
  const cases: [FieldSchema, unknown, RegExp][] = [
    [{ type: 'int' }, 'ten', /^error converting input for field "f": expected an integer, got "ten"$/],
    [{ type: 'int' }, 1.5, /expected an integer/],
    [{ type: 'int' }, 1e308, /value out of range/],
    [{ type: 'int' }, 9007199254740994, /value out of range/],
    [{ type: 'duration' }, -1, /^error converting input for field "f": cannot provide negative value '-1'$/],
    [{ type: 'duration' }, '-1h', /cannot provide negative value/],
    [{ type: 'duration' }, 1e308, /invalid duration/],
    [{ type: 'duration' }, '9999999999999999h', /invalid duration/],
    [{ type: 'signed_duration' }, '-1e308', /invalid duration/],
    [{ type: 'bool' }, 'maybe', /expected a boolean/],
    [{ type: 'bool' }, Infinity, /expected a boolean/],
    [{ type: 'string' }, { a: 1 }, /expected a string, got an object$/],
    [{ type: 'strings' }, [{ a: 1 }], /expected a list of strings, got an array$/],
    [{ type: 'map' }, '[1]', /expected a map/],
    [{ type: 'string', allowed: ['x', 'y'] }, 'z', /^invalid value for field "f", got "z"; allowed values: x, y$/],
  ];
  for (const [schema, input, want] of cases) assert.match(refusal(schema, input), want, `${schema.type} ${JSON.stringify(input)}`);
});

test('errors never echo a sensitive value, a structured value, or a megabyte', () => {
  assert.equal(refusal({ type: 'string', sensitive: true }, { password: 's3cret' }), 'error converting input for field "f": expected a string');
  assert.equal(refusal({ type: 'duration', sensitive: true }, '-5s'), 'error converting input for field "f": cannot provide negative value');
  assert.doesNotMatch(refusal({ type: 'string' }, { nested: 's3cret' }), /s3cret/);
  assert.ok(refusal({ type: 'int' }, 'x'.repeat(1 << 20)).length < 300);
});

test('client JSON nested past the limit is refused before it can exhaust the stack', () => {
  const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  assert.equal(exceedsJSONDepth(nested(500)), false);
  assert.equal(exceedsJSONDepth(nested(501)), true);
  assert.equal(exceedsJSONDepth(`{"a":"${'['.repeat(1000)}"}`), false, 'brackets inside strings do not count');
  assert.equal(exceedsJSONDepth(`{"a":"\\"${'{'.repeat(1000)}"}`), false, 'an escaped quote does not end the string');
  assert.throws(() => parseClientJSON(`{"a":${nested(100000)}}`), { name: 'SyntaxError', message: 'exceeded max depth' });
  assert.deepEqual(parseClientJSON('{"a":[1,{"b":2}]}'), { a: [1, { b: 2 }] });
});
