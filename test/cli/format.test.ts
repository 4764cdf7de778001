import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Struct, columnOutput, goJSON, goValue, goYAML, humanDuration, looksLikeDuration, mapTable, tableOutput,
} from '../../src/cli/format.js';

const values: [unknown, string][] = [
  [null, '<nil>'],
  ['text', 'text'],
  [42, '42'],
  [true, 'true'],
  [['a', 'b'], '[a b]'],
  [[], '[]'],
  [{ b: 2, a: 'x' }, 'map[a:x b:2]'],
  [{ nested: { k: [1, 2] } }, 'map[nested:map[k:[1 2]]]'],
  [{}, 'map[]'],
];
for (const [v, want] of values) {
  test(`goValue(${JSON.stringify(v)}) = ${want}`, () => assert.equal(goValue(v), want));
}

const durations: [number, string][] = [
  [0, '0s'], [59, '59s'], [60, '1m'], [90, '1m30s'], [3600, '1h'], [3605, '1h5s'], [5400, '1h30m'],
  [2764800, '768h'], [31536000, '8760h'], [3661, '1h1m1s'],
];
for (const [s, want] of durations) {
  test(`humanDuration(${s}) = ${want}`, () => assert.equal(humanDuration(s), want));
}

test('looksLikeDuration matches vault\'s keys', () => {
  for (const k of ['ttl', 'max_ttl', 'period', 'token_period', 'lease_duration', 'lease_max', 'ttl_max']) assert.ok(looksLikeDuration(k), k);
  for (const k of ['ttls', 'name', 'duration_x']) assert.ok(!looksLikeDuration(k), k);
});

test('columnOutput pads columns with four spaces and shows empty cells as n/a', () => {
  assert.equal(columnOutput(['a | bb | c', 'ccc |  | d']), 'a      bb     c\nccc    n/a    d');
});

test('tableOutput underlines the header', () => {
  assert.equal(tableOutput(['Key | Value', 'foo | bar', 'longer_key | x']), [
    'Key           Value',
    '---           -----',
    'foo           bar',
    'longer_key    x',
  ].join('\n'));
});

test('mapTable sorts keys, humanizes durations, prints Go values', () => {
  assert.equal(mapTable({ ttl: 3600, b: [1, 2], a: 'x', empty: '' }), [
    'Key      Value',
    '---      -----',
    'a        x',
    'b        [1 2]',
    'empty    n/a',
    'ttl      1h',
  ].join('\n'));
  assert.equal(mapTable({}), '');
});

test('goJSON indents like json.MarshalIndent, sorts map keys, keeps struct order, escapes HTML', () => {
  const v = Struct.of({ z: 1, a: { d: '<x&y>', c: [] , b: {} }, m: null, u: undefined });
  assert.equal(goJSON(v), [
    '{',
    '  "z": 1,',
    '  "a": {',
    '    "b": {},',
    '    "c": [],',
    '    "d": "\\u003cx\\u0026y\\u003e"',
    '  },',
    '  "m": null',
    '}',
  ].join('\n'));
  assert.equal(goJSON(['a', 2]), '[\n  "a",\n  2\n]');
  assert.deepEqual(JSON.parse(goJSON({ s: 'a\nb"c' })), { s: 'a\nb"c' });
});

test('goYAML sorts keys, does not indent sequences, trims the newline', () => {
  assert.equal(goYAML(Struct.of({ keys: ['b', 'a'], data: { z: 1, a: 'true' }, none: null })), [
    'data:',
    '  a: "true"',
    '  z: 1',
    'keys:',
    '- b',
    '- a',
    'none: null',
  ].join('\n'));
});

test('goYAML quotes what YAML 1.1 readers would not take as a string', () => {
  assert.equal(goYAML({ excited: 'yes', when: '2026-11-22T21:43:45.916Z', mode: '0755', n: 1 }), 'excited: "yes"\nmode: "0755"\n"n": 1\nwhen: "2026-11-22T21:43:45.916Z"');
});
