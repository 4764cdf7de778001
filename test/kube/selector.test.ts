import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromLabelSelector, matches, parseSelector, SelectorError } from '../../src/kube/selector.js';

const labels = { app: 'web', tier: 'front', version: '3' };

test('string selectors: the operators of ?labelSelector=', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app in (web,api)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier=back', false],
    ['app=web, tier in (front, back)', true],
    ['version>2', true],
    ['version<3', false],
  ];
  for (const [sel, want] of cases) assert.equal(matches(parseSelector(sel), labels), want, sel);
});

test('object selectors: matchLabels and matchExpressions', () => {
  assert.equal(matches(fromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }), labels), true);
  assert.equal(matches(fromLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }), labels), false);
  assert.equal(matches(fromLabelSelector({}), labels), true);
});

test('bad selectors are refused with a reason', () => {
  for (const sel of ['app=web,', 'app in ()x', 'a b c']) assert.throws(() => parseSelector(sel), SelectorError, sel);
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Has' }] }), /"Has" is not a valid label selector operator/);
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /must be specified/);
});
