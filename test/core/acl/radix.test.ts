import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RadixTree } from '../../../src/core/acl/index.js';

test('radix tree agrees with a naive model on random keys', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const alphabet = ['a', 'b', '/', 'ab', 'secret/', 'data/', ''];
  const word = () => Array.from({ length: rnd(5) }, () => alphabet[rnd(alphabet.length)]).join('');
  const tree = new RadixTree<number>();
  const model = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const k = word();
    tree.set(k, i);
    model.set(k, i);
  }
  assert.equal(tree.size, model.size);
  for (let i = 0; i < 400; i++) {
    const q = word();
    assert.equal(tree.get(q), model.get(q), `get ${q}`);
    const prefixes = [...model.keys()].filter((k) => q.startsWith(k)).sort((x, y) => x.length - y.length);
    const longest = prefixes.at(-1);
    assert.deepEqual(tree.longestPrefix(q), longest === undefined ? undefined : { length: longest.length, value: model.get(longest) }, `longest ${q}`);
    const seen: number[] = [];
    tree.eachPrefixOf(q, (len) => seen.push(len));
    assert.deepEqual(seen, prefixes.map((k) => k.length), `prefixes of ${q}`);
    const under: string[] = [];
    tree.someUnder(q, (k) => (under.push(k), false));
    assert.deepEqual(under.sort(), [...model.keys()].filter((k) => k.startsWith(q)).sort(), `under ${q}`);
  }
});

test('someUnder stops when the callback says so', () => {
  const t = new RadixTree<number>();
  for (const k of ['s/a', 's/b', 's/c']) t.set(k, 1);
  let n = 0;
  assert.equal(t.someUnder('s/', () => ++n === 2), true);
  assert.equal(n, 2);
  assert.equal(t.someUnder('t', () => true), false);
});
