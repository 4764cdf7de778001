import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goTime, mergePatch, sortKeysDeep } from '../../../src/engines/kv/json-util.js';

// The examples of RFC 7386, appendix A.
const rfcCases: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test('mergePatch follows RFC 7386 appendix A', () => {
  for (const [target, patch, want] of rfcCases) {
    assert.deepEqual(mergePatch(target, patch), want, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`);
  }
});

test('mergePatch does not modify its inputs and keeps a "__proto__" member as data', () => {
  const target = { a: { b: 1 } };
  const patch = JSON.parse('{"a":{"c":2},"__proto__":{"polluted":true}}');
  const out = mergePatch(target, patch) as Record<string, unknown>;
  assert.deepEqual(target, { a: { b: 1 } });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(JSON.stringify(out), '{"a":{"b":1,"c":2},"__proto__":{"polluted":true}}');
});

test('sortKeysDeep orders keys as Go does at every level', () => {
  const out = sortKeysDeep({ b: 1, a: { z: 1, B: 2, a: [{ y: 1, x: 2 }] }, A: 0 });
  assert.equal(JSON.stringify(out), '{"A":0,"a":{"B":2,"a":[{"x":2,"y":1}],"z":1},"b":1}');
});

test('goTime formats like Go RFC3339Nano', () => {
  const cases: [number, string][] = [
    [0, ''],
    [Date.parse('2024-05-01T10:00:00.000Z'), '2024-05-01T10:00:00Z'],
    [Date.parse('2024-05-01T10:00:00.120Z'), '2024-05-01T10:00:00.12Z'],
    [Date.parse('2024-05-01T10:00:10.500Z'), '2024-05-01T10:00:10.5Z'],
    [Date.parse('2024-05-01T10:00:10.007Z'), '2024-05-01T10:00:10.007Z'],
  ];
  for (const [ms, want] of cases) assert.equal(goTime(ms), want);
});
