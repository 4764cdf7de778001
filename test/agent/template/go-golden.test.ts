/**
 * Go text/template semantics, case by case. The expected outputs and error texts in
 * go-golden.json were produced by Go 1.19's text/template (data decoded with UseNumber, as
 * Vault's client does), so every case here is Go's own answer, not ours.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseGoJSON } from '../../../src/agent/template/json.js';
import { Template } from '../../../src/agent/template/template.js';
import { goFunc, type FuncMap } from '../../../src/agent/template/types.js';
import { stringSlice } from '../../../src/agent/template/values.js';
import { GoFloat } from '../../../src/agent/template/values.js';

interface Case {
  name: string;
  tmpl: string;
  data?: string;
  missingkey?: 'zero' | 'error' | 'invalid';
  left?: string;
  right?: string;
  out?: string;
  err?: string;
}

const cases: Case[] = JSON.parse(readFileSync(new URL('./go-golden.json', import.meta.url), 'utf8'));

/** The same functions the Go program registered, with the same parameter types. */
const funcs: FuncMap = {
  upper: goFunc(['string'], (s: string) => s.toUpperCase()),
  fail: goFunc([], () => {
    throw new Error('boom');
  }),
  strs: goFunc([], () => stringSlice(['b', 'a'])),
  join: goFunc(['string', '[]string'], (sep: string, a: string[]) => a.join(sep)),
  addi: goFunc(['int', 'int'], (a: number, b: number) => a + b),
  half: goFunc(['float64'], (f: number) => new GoFloat(f / 2)),
  yes: goFunc(['bool'], (b: boolean) => b),
  fn: goFunc([], () => (s: string) => s.toUpperCase()),
  mk: goFunc([], () => ({ a: null, b: 1, c: [new GoFloat(1.5), 'x', null] })),
};

for (const c of cases) {
  test(c.name, async () => {
    const data = c.data ? parseGoJSON(c.data) : undefined;
    let out: string;
    try {
      const t = Template.parse(c.tmpl, { name: 't', funcs, missingKey: c.missingkey, leftDelim: c.left, rightDelim: c.right });
      out = await t.execute(data);
    } catch (e) {
      if (c.err === undefined) throw e;
      assert.equal((e as Error).message, c.err);
      return;
    }
    assert.equal(c.err, undefined, `expected error ${c.err}, got output ${JSON.stringify(out)}`);
    assert.equal(out, c.out);
  });
}
