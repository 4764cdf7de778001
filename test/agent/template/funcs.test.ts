/**
 * consul-template functions that depend on the world around the template: Vault data through a
 * data source, files, the environment, writeToFile, plus YAML and collection helpers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConsulTemplate, type ConsulTemplateOptions } from '../../../src/agent/template/funcs/index.js';
import type { PkiCertResponse, TemplateDataSource, VaultSecretResponse } from '../../../src/agent/template/funcs/vault.js';

const render = (text: string, opts: ConsulTemplateOptions = {}, data?: unknown) => parseConsulTemplate(text, opts).execute(data);

/** An in-memory data source: what the agent's cache answers, without a server. */
class MapSource implements TemplateDataSource {
  reads: string[] = [];
  writes: { path: string; data: Record<string, string> }[] = [];
  constructor(private readonly secrets: Record<string, VaultSecretResponse>, private readonly lists: Record<string, string[]> = {}) {}
  async secret(path: string, data: Record<string, string> | undefined): Promise<VaultSecretResponse> {
    if (data) {
      this.writes.push({ path, data });
      return { lease_id: '', lease_duration: 0, renewable: false, data: { written: path, ...data } };
    }
    this.reads.push(path);
    const s = this.secrets[path];
    if (!s) throw new Error(`no secret exists at ${path}`);
    return s;
  }
  async list(path: string): Promise<string[]> {
    return this.lists[path] ?? [];
  }
  async pkiCert(path: string, data: Record<string, string>, dest: string | undefined): Promise<PkiCertResponse> {
    return { cert: `CERT(${path},${data.common_name},${dest})`, key: 'KEY', ca: 'CA1', caChain: ['CA1', 'CA2'] };
  }
}

const kv2: VaultSecretResponse = {
  request_id: 'r1', lease_id: '', lease_duration: 0, renewable: false,
  data: { data: { password: 's3cret', port: 5432, tags: ['a', 'b'] }, metadata: { version: 3, created_time: '2024-01-01T00:00:00Z' } },
  warnings: null,
};
const kv1: VaultSecretResponse = { request_id: 'r2', lease_id: '', lease_duration: 2764800, renewable: false, data: { aws_access_key_id: 'AKIA', aws_secret_access_key: 'xyz' } };

test('secret reads KV v2 and KV v1 shapes (seed 001 template)', async () => {
  const source = new MapSource({ 'secret/data/myapp/config': kv1, 'kv/data/app': kv2 });
  const seed001 = `{{- with secret "secret/data/myapp/config" }}
export AWS_ACCESS_KEY_ID='{{ .Data.aws_access_key_id }}'
export AWS_SECRET_ACCESS_KEY='{{ .Data.aws_secret_access_key }}'
{{ end }}`;
  assert.equal(await render(seed001, { data: source }), "\nexport AWS_ACCESS_KEY_ID='AKIA'\nexport AWS_SECRET_ACCESS_KEY='xyz'\n");
  assert.equal(
    await render('{{ with secret "kv/data/app" }}{{ .Data.data.password }}:{{ .Data.data.port }} v{{ .Data.metadata.version }} {{ .LeaseDuration }} {{ .RequestID }}{{ end }}', { data: source }),
    's3cret:5432 v3 0 r1',
  );
  assert.equal(await render('{{ with secret "kv/data/app" }}{{ .Data.data.nope }}{{ end }}', { data: source }), '<no value>');
  await assert.rejects(render('{{ with secret "kv/data/app" }}{{ .Data.data.nope }}{{ end }}', { data: source, errorOnMissingKey: true }), {
    message: 'template: :1:39: executing "" at <.Data.data.nope>: map has no entry for key "nope"',
  });
  await assert.rejects(render('{{ secret "kv/data/none" }}', { data: source }), /error calling secret: no secret exists at kv\/data\/none/);
});

test('secret with k=v arguments writes (PKI issue, seed 002) and the split files land with owner and mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-'));
  const source: TemplateDataSource = {
    async secret(path, data) {
      assert.equal(path, 'c1/pki/etcd/issue/member');
      assert.deepEqual(data, { common_name: 'etcd-1.example', ttl: '30s' });
      return { data: { serial_number: '01:02', certificate: 'CERT', private_key: 'KEY', issuing_ca: 'CA', expiration: 1700000000 } };
    },
    list: async () => [],
    pkiCert: async () => { throw new Error('unused'); },
  };
  const tmpl = `{{ with secret "c1/pki/etcd/issue/member" "common_name= etcd-1.example" "ttl=30s" }}{{ .Data.serial_number }}
{{ .Data.certificate | writeToFile "${dir}/etcd-cert.pem" "" "" "0644" }}{{ .Data.private_key | writeToFile "${dir}/etcd-key.pem" "" "" "0600" }}{{ .Data.issuing_ca | writeToFile "${dir}/etcd-ca.pem" "" "" "0644" "newline" }}{{ end }}`;
  assert.equal(await render(tmpl, { data: source }), '01:02\n');
  assert.equal(readFileSync(join(dir, 'etcd-cert.pem'), 'utf8'), 'CERT');
  assert.equal(readFileSync(join(dir, 'etcd-ca.pem'), 'utf8'), 'CA\n');
  assert.equal(statSync(join(dir, 'etcd-key.pem')).mode & 0o777, 0o600);
  await assert.rejects(render('{{ secret "p" "novalue" }}', { data: source }), /error calling secret: not k=v pair "novalue"/);
});

test('writeToFile appends, refuses symlinks, and takes numeric owners', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-'));
  const f = join(dir, 'sub', 'log');
  await render(`{{ "a" | writeToFile "${f}" "" "" "0640" "append,newline" }}{{ "b" | writeToFile "${f}" "" "" "0640" "append,newline" }}`);
  assert.equal(readFileSync(f, 'utf8'), 'a\nb\n');
  const uid = String(process.getuid!());
  await render(`{{ "c" | writeToFile "${f}" "${uid}" "" "0600" }}`);
  assert.equal(readFileSync(f, 'utf8'), 'c');
  writeFileSync(join(dir, 'real'), 'x');
  symlinkSync(join(dir, 'real'), join(dir, 'link'));
  await assert.rejects(render(`{{ "z" | writeToFile "${join(dir, 'link')}" "" "" "0644" }}`), /refusing to write to symlink/);
  assert.equal(readFileSync(join(dir, 'real'), 'utf8'), 'x');
  await assert.rejects(render(`{{ "z" | writeToFile "${join(dir, 'p')}" "" "" "rw" }}`), /invalid syntax/);
});

test('secrets lists, pkiCert exposes .Cert/.Key/.CA/.CAChain and .Data', async () => {
  const source = new MapSource({}, { 'kv/metadata/apps/': ['b', 'a/', 'c'] });
  assert.equal(await render('{{ range secrets "kv/metadata/apps/" }}[{{ . }}]{{ end }}', { data: source }), '[b][a/][c]');
  const out = await render('{{ with pkiCert "pki/issue/web" "common_name=w.example" }}{{ .Cert }}|{{ .Data.Key }}|{{ .CA }}|{{ join "," .CAChain }}{{ end }}', { data: source, destination: '/tmp/w.pem' });
  assert.equal(out, 'CERT(pki/issue/web,w.example,/tmp/w.pem)|KEY|CA1|CA1,CA2');
  await assert.rejects(render('{{ secret "x" }}'), /no Vault connection/);
});

test('env, mustEnv, envOrDefault: template env first, then the process', async () => {
  const opts = { env: { A: 'from-template', EMPTY: '' }, processEnv: { A: 'proc', B: 'b' } };
  assert.equal(await render('{{ env "A" }}|{{ env "B" }}|{{ env "C" }}|{{ envOrDefault "EMPTY" "d" }}|{{ envOrDefault "C" "d" }}', opts), 'from-template|b|||d');
  await assert.rejects(render('{{ mustEnv "C" }}', opts), /required environment variable C is empty/);
});

test('file reads within the sandbox only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-'));
  mkdirSync(join(dir, 'in'));
  writeFileSync(join(dir, 'in', 'f'), 'hello');
  writeFileSync(join(dir, 'out'), 'secret');
  assert.equal(await render(`{{ file "${dir}/in/f" }}`, { sandboxPath: join(dir, 'in') }), 'hello');
  await assert.rejects(render(`{{ file "${dir}/out" }}`, { sandboxPath: join(dir, 'in') }), /is outside of sandbox/);
  await assert.rejects(render(`{{ file "${dir}/missing" }}`), /error calling file/);
});

test('toYAML sorts keys, writes multi-line strings as blocks, quotes YAML 1.1 booleans', async () => {
  const data = { b: [1, 'x'], a: { z: true, w: null }, pem: 'line1\nline2', flag: 'yes' };
  // YAML 1.1 as go-yaml v2 writes it: "yes" stays a quoted string.
  assert.equal(await render('{{ toYAML . }}', {}, data), 'a:\n  w: null\n  z: true\nb:\n- 1\n- x\nflag: "yes"\npem: |-\n  line1\n  line2');
  assert.equal(await render('{{ with parseYAML "a: 1\\nb: [x, z, yes]" }}{{ .a }} {{ index .b 1 }} {{ index .b 2 }}{{ end }}'), '1 z true');
});

test('collections: contains, in, containsAny, splitToMap, explodeMap, mergeMap, indent, loop', async () => {
  assert.equal(await render('{{ .l | contains "b" }} {{ in .l "z" }} {{ "abc" | contains "b" }}', {}, { l: ['a', 'b'] }), 'true false true');
  assert.equal(await render('{{ containsAny .want .l }} {{ containsAll .want .l }}', {}, { want: ['b', 'q'], l: ['a', 'b'] }), 'true false');
  assert.equal(await render('{{ splitToMap "," "=" "a=1,b=2,bad" }}'), 'map[a:1 b:2]');
  assert.equal(await render('{{ explodeMap .m }}', {}, { m: { 'a/b': 1, 'a/c': 2, d: 3 } }), 'map[a:map[b:1 c:2] d:3]');
  assert.equal(await render('{{ mergeMap .a .b }} {{ mergeMapWithOverride .a .b }}', {}, { a: { x: 1 }, b: { x: 2, y: 3 } }), 'map[x:1 y:3] map[x:2 y:3]');
  assert.equal(await render('{{ indent 2 "a\\nb\\n" }}'), '  a\n  b\n');
  assert.equal(await render('{{ range loop 3 }}{{ . }}{{ end }}|{{ range $i := loop 2 4 }}{{ $i }}{{ end }}'), '012|23');
  assert.equal(await render('{{ toTitle "hello wide world" }}'), 'Hello Wide World');
  assert.equal(await render('{{ 7 | modulo 3 }} {{ maximum 2 5 }} {{ minimum 2.5 1 }}'), '1 5 1');
});

test('scratch keeps values for the render', async () => {
  assert.equal(await render('{{ scratch.Set "a" "x" }}{{ scratch.SetX "a" "y" }}{{ scratch.Get "a" }} {{ scratch.Key "a" }} {{ scratch.MapSet "m" "k2" 2 }}{{ scratch.MapSet "m" "k1" 1 }}{{ scratch.MapValues "m" }}'), 'x true [1 2]');
});

test('executeTemplate runs a defined template with a given dot', async () => {
  assert.equal(await render('{{ define "greet" }}hi {{ . }}{{ end }}{{ executeTemplate "greet" "bob" }}'), 'hi bob');
});

test('function_denylist disables matching functions', async () => {
  await assert.rejects(render('{{ env "HOME" }}', { functionDenylist: ['env*'] }), /error calling env: function is disabled/);
  assert.equal(await render('{{ toUpper "a" }}', { functionDenylist: ['env*'] }), 'A');
});

test('regexp errors surface as errors', async () => {
  await assert.rejects(render('{{ regexMatch "(" "x" }}'), /error calling regexMatch: error parsing regexp/);
});
