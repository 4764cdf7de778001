import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, jsonPatch, mergePatch } from '../../../src/kube/testing/patch.js';
import { KubeError } from '../../../src/kube/testing/status.js';

test('merge patch (RFC 7386): null removes, objects merge, lists replace', () => {
  const doc = { a: 1, b: { c: 2, d: 3 }, l: [1, 2] };
  assert.deepEqual(mergePatch(doc, { b: { c: null, e: 4 }, l: [3], f: 'x' }), { a: 1, b: { d: 3, e: 4 }, l: [3], f: 'x' });
  assert.deepEqual(doc, { a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, 'input untouched');
});

test('JSON patch (RFC 6902): add, remove, replace, move, copy, test', () => {
  const doc = { metadata: { labels: { a: '1' } }, list: ['x', 'y'] };
  const out = jsonPatch(doc, [
    { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
    { op: 'replace', path: '/metadata/labels/a', value: '3' },
    { op: 'add', path: '/list/-', value: 'z' },
    { op: 'remove', path: '/list/0' },
    { op: 'copy', from: '/list/0', path: '/first' },
    { op: 'move', from: '/first', path: '/moved' },
    { op: 'test', path: '/moved', value: 'y' },
  ]);
  assert.deepEqual(out, { metadata: { labels: { a: '3', 'b/c': '2' } }, list: ['y', 'z'], moved: 'y' });
  assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/list/0', value: 'nope' }]), (e: unknown) => e instanceof KubeError && e.code === 422);
  assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/nothing/here' }]), (e: unknown) => e instanceof KubeError && e.code === 422);
});

test('the Content-Type picks the patch kind; others are 415', () => {
  assert.deepEqual(applyPatch({ a: 1 }, 'application/strategic-merge-patch+json', { b: 2 }), { a: 1, b: 2 });
  assert.throws(() => applyPatch({}, 'application/apply-patch+yaml', {}), (e: unknown) => e instanceof KubeError && e.code === 415);
});
