/**
 * consul-template's helper functions. Expected outputs in funcs-golden.json come from Go 1.19
 * running the same standard-library calls consul-template's helpers make (json.Marshal,
 * regexp, time.Format at 2024-03-05T07:08:09.12Z, strconv, base64), with missingkey=zero.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConsulTemplate } from '../../../src/agent/template/funcs/index.js';
import { parseGoJSON } from '../../../src/agent/template/json.js';

interface Case { name: string; tmpl: string; data?: string; out?: string; err?: string }
const cases: Case[] = JSON.parse(readFileSync(new URL('./funcs-golden.json', import.meta.url), 'utf8'));
const now = () => new Date(Date.UTC(2024, 2, 5, 7, 8, 9, 120));

for (const c of cases) {
  test(c.name, async () => {
    let out: string;
    try {
      out = await parseConsulTemplate(c.tmpl, { now }).execute(c.data ? parseGoJSON(c.data) : undefined);
    } catch (e) {
      if (c.err === undefined) throw e;
      assert.equal((e as Error).message, c.err);
      return;
    }
    assert.equal(c.err, undefined, `expected error ${c.err}, got ${JSON.stringify(out)}`);
    assert.equal(out, c.out);
  });
}
