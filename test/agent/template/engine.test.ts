/**
 * Engine behaviour beyond the Go 1.19 golden cases: newer Go features consul-template's builds
 * have (range over an int, else with), struct values, async functions, named templates,
 * number printing and the error shapes the agent relies on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template } from '../../../src/agent/template/template.js';
import { TemplateParseError } from '../../../src/agent/template/parser.js';
import { TemplateExecError, goFunc } from '../../../src/agent/template/types.js';
import { GoFloat, GoStruct, JsonNumber } from '../../../src/agent/template/values.js';
import { sprintf } from '../../../src/agent/template/format.js';

const run = (text: string, data?: unknown, opts: Parameters<typeof Template.parse>[1] = {}) => Template.parse(text, { name: 't', ...opts }).execute(data);

class Point extends GoStruct {
  readonly goType = 'main.Point';
  readonly goFields = ['X', 'Y'] as const;
  constructor(readonly X: number, readonly Y: string) {
    super();
  }
  override goMethod(name: string) {
    return name === 'Sum' ? (n: unknown) => this.X + Number(n) : undefined;
  }
}

test('range over an integer (Go 1.22)', async () => {
  assert.equal(await run('{{ range 3 }}{{ . }}{{ end }}'), '012');
  assert.equal(await run('{{ range $i := 2 }}[{{ $i }}]{{ end }}'), '[0][1]');
  assert.equal(await run('{{ range 0 }}x{{ else }}none{{ end }}'), 'none');
  await assert.rejects(run('{{ range $i, $v := 3 }}{{ end }}'), /can't use 3 to iterate over more than one variable/);
});

test('else with (Go 1.23)', async () => {
  assert.equal(await run('{{ with .a }}A{{ else with .b }}B{{ . }}{{ else }}C{{ end }}', { a: '', b: 'x' }), 'Bx');
  assert.equal(await run('{{ with .a }}A{{ else with .b }}B{{ else }}C{{ end }}', { a: '', b: '' }), 'C');
});

test('structs: fields, methods, missing fields are errors whatever missingkey says', async () => {
  const p = new Point(2, 'y');
  assert.equal(await run('{{ .X }} {{ .Y }} {{ .Sum 3 }}', p), '2 y 5');
  assert.equal(await run('{{ . }}', p), '{2 y}');
  assert.equal(await run('{{ printf "%v %+v" . . }}', p), '&{2 y} &{X:2 Y:y}');
  await assert.rejects(run('{{ .Z }}', p, { missingKey: 'zero' }), {
    message: 'template: t:1:3: executing "t" at <.Z>: can\'t evaluate field Z in type *main.Point',
  });
  await assert.rejects(run('{{ .X 1 }}', p), /X has arguments but cannot be invoked as function/);
  assert.equal(await run('{{ if . }}t{{ end }}', p), 't');
});

test('functions may be async and run in order', async () => {
  const calls: string[] = [];
  const funcs = {
    slow: goFunc(['string'], async (s: string) => {
      await new Promise((r) => setTimeout(r, 5));
      calls.push(s);
      return s.toUpperCase();
    }),
  };
  assert.equal(await run('{{ slow "a" }}{{ range .l }}{{ slow . }}{{ end }}', { l: ['b', 'c'] }, { funcs }), 'ABC');
  assert.deepEqual(calls, ['a', 'b', 'c']);
});

test('a function error names the function and the position', async () => {
  const funcs = { fail: goFunc([], async () => { throw new Error('no secret exists at kv/x'); }) };
  await assert.rejects(run('a\n  {{ fail }}', undefined, { funcs }), (e: Error) => {
    assert.ok(e instanceof TemplateExecError);
    assert.equal(e.message, 'template: t:2:5: executing "t" at <fail>: error calling fail: no secret exists at kv/x');
    return true;
  });
});

test('parse errors are TemplateParseError with Go wording', () => {
  assert.throws(() => Template.parse('{{ if }}', { name: 'x' }), (e: Error) => e instanceof TemplateParseError && e.message === 'template: x:1: missing value for if');
  assert.throws(() => Template.parse('{{ nope }}'), /function "nope" not defined/);
});

test('json.Number prints exactly as received and is a string kind', async () => {
  const d = { n: new JsonNumber('1.50'), big: new JsonNumber('12345678901234567890') };
  assert.equal(await run('{{ .n }} {{ .big }} {{ printf "%s|%v" .n .big }}', d), '1.50 12345678901234567890 1.50|12345678901234567890');
  assert.equal(await run('{{ eq .n "1.50" }}', d), 'true');
});

test('executeTemplate and define share the template set', async () => {
  const t = Template.parse('{{ define "a" }}<{{ . }}>{{ end }}main', { name: 'm' });
  assert.deepEqual(t.templateNames().sort(), ['a', 'm']);
  assert.equal(await t.executeTemplate('a', 'x'), '<x>');
  await assert.rejects(t.executeTemplate('zz', 1), /no template "zz" associated with template "m"/);
});

test('missingkey modes on maps', async () => {
  const d = { a: { b: 1 } };
  assert.equal(await run('{{ .a.c }}', d), '<no value>');
  assert.equal(await run('{{ .a.c }}', d, { missingKey: 'zero' }), '<no value>');
  await assert.rejects(run('{{ .a.c }}', d, { missingKey: 'error' }), /map has no entry for key "c"/);
  assert.equal(await run('{{ if .a.c }}y{{ else }}n{{ end }}', d, { missingKey: 'zero' }), 'n');
});

test('printf rounds exact ties to even and prints Go float forms', () => {
  assert.equal(sprintf('%.0f %.0f %.0f %.1f', [2.5, 3.5, -0.5, 0.05]), '2 4 -0 0.1');
  const f = (x: number) => new GoFloat(x);
  assert.equal(sprintf('%e %.2e %g %g', [f(0), f(123456), 1e-7, f(123456789)]), '0.000000e+00 1.23e+05 1e-07 1.23456789e+08');
  assert.equal(sprintf('%e', [0]), '%!e(int=0)');
  assert.equal(sprintf('%6.2f|%-8.3s|%+.1e', [3.14159, 'abcdef', f(12345)]), '  3.14|abc     |+1.2e+04');
  assert.equal(sprintf('%08.3f|%x|%X', [-3.14159, -255, 'Hi']), '-003.142|-ff|4869');
});

test('custom delimiters leave the default ones as text', async () => {
  assert.equal(await run('<% .a %> {{ .a }}', { a: 1 }, { leftDelim: '<%', rightDelim: '%>' }), '1 {{ .a }}');
});

test('deep recursion through template stops at Go\'s limit without crashing', async () => {
  await assert.rejects(run('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}'), /exceeded maximum template depth \(100000\)/);
});
