/** consul-template's plugin function, as seed 002 uses it to split a certificate. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConsulTemplate } from '../../../src/agent/template/funcs/index.js';

test('plugin runs the executable with the piped value last and inserts its stdout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-plugin-'));
  const script = join(dir, 'certdump');
  // Like seed 002's certdump: writes the value to the file named by $1, prints a confirmation.
  writeFileSync(script, '#!/bin/sh\nprintf "%s" "$3" > "$1"\necho "wrote $2"\n');
  chmodSync(script, 0o755);
  const out = join(dir, 'etcd-cert.pem');
  const text = `{{ .cert | plugin "${script}" "${out}" "etcd" }}`;
  const rendered = await parseConsulTemplate(text, {}).execute({ cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' });
  assert.equal(rendered, 'wrote etcd');
  assert.equal(readFileSync(out, 'utf8'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
});

test('a failing plugin fails the render with its output', async () => {
  const tpl = parseConsulTemplate('{{ plugin "/bin/sh" "-c" "echo oops >&2; exit 3" }}', {});
  await assert.rejects(tpl.execute({}), /exec "\/bin\/sh".*[\s\S]*oops/);
});
