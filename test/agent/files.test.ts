/** Writing rendered files and tokens, KV v2 path shims, the pkiCert file cache, auth method inputs. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAuthMethod } from '../../src/agent/auth/methods.js';
import { isDeletedKVv2, shimKVv2ListPath, shimKVv2Path } from '../../src/agent/kv-paths.js';
import { goodFor, parsePems, pemsFromIssue } from '../../src/agent/pki-cache.js';
import { renderToFile } from '../../src/agent/render-file.js';
import { FileSink } from '../../src/agent/sink.js';
import { runAgentCommand } from '../../src/agent/command.js';
import { VaultClient } from '../../src/api/client.js';
import { tempDir } from './helpers.js';

test('renderToFile: writes atomically with perms, skips identical content, keeps the mode, backs up', async () => {
  const dir = tempDir();
  const path = join(dir, 'sub', 'out.txt');
  assert.equal(await renderToFile({ path, contents: 'a', perms: 0o600, createDestDirs: true, backup: true }), true);
  assert.equal(readFileSync(path, 'utf8'), 'a');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'sub')).mode & 0o777, 0o755);
  assert.equal(await renderToFile({ path, contents: 'a', perms: 0o600, createDestDirs: true, backup: true }), false, 'same bytes: nothing written');
  // No perms given: the existing file's mode is kept.
  assert.equal(await renderToFile({ path, contents: 'b', createDestDirs: true, backup: true }), true);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(readFileSync(`${path}.bak`, 'utf8'), 'a');
  assert.deepEqual(readdirSync(join(dir, 'sub')).sort(), ['out.txt', 'out.txt.bak'], 'no temporary files left');
  await assert.rejects(renderToFile({ path: join(dir, 'missing', 'x'), contents: 'x', createDestDirs: false, backup: false }), /parent directory .* does not exist/);
  // A new file without perms gets 0644.
  const fresh = join(dir, 'fresh');
  await renderToFile({ path: fresh, contents: 'x', createDestDirs: true, backup: false });
  assert.equal(statSync(fresh).mode & 0o777, 0o644);
});

test('file sink: no trailing newline, mode enforced, atomic replace', async () => {
  const dir = tempDir();
  const sink = new FileSink({ type: 'file', path: join(dir, 'token'), mode: 0o600 });
  await sink.checkWritable();
  assert.equal(existsSync(join(dir, 'token')), false);
  await sink.write('hvs.abc');
  await sink.write('hvs.def');
  assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'hvs.def');
  assert.equal(statSync(join(dir, 'token')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['token']);
  await assert.rejects(new FileSink({ type: 'file', path: join(dir, 'nope', 'token'), mode: 0o600 }).checkWritable());
});

test('KV v2 path shims', () => {
  assert.equal(shimKVv2Path('secret/app/config', 'secret/'), 'secret/data/app/config');
  assert.equal(shimKVv2Path('secret/data/app', 'secret/'), 'secret/data/app');
  assert.equal(shimKVv2Path('secret/metadata/app', 'secret/'), 'secret/metadata/app');
  assert.equal(shimKVv2Path('secret', 'secret/'), 'secret/data');
  assert.equal(shimKVv2Path('team/kv/x', 'team/kv/'), 'team/kv/data/x');
  assert.equal(shimKVv2ListPath('secret/apps/', 'secret/'), 'secret/metadata/apps');
  assert.equal(shimKVv2ListPath('secret', 'secret/'), 'secret/metadata');
  assert.equal(isDeletedKVv2({ metadata: { deletion_time: '2000-01-01T00:00:00Z' } }), true);
  assert.equal(isDeletedKVv2({ metadata: { deletion_time: '', destroyed: false } }), false);
  assert.equal(isDeletedKVv2({ metadata: { destroyed: true } }), true);
});

function makeCert(dir: string, days: number, ca = false): { cert: string; key: string } {
  const key = join(dir, `k${days}${ca}.pem`);
  const cert = join(dir, `c${days}${ca}.pem`);
  const ext = ca ? ['-addext', 'basicConstraints=critical,CA:TRUE'] : ['-addext', 'basicConstraints=CA:FALSE'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=t${days}`, ...ext], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

test('pkiCert cache: PEMs sorted into cert/key/CA, renewal point at the threshold of the lifetime', () => {
  const dir = tempDir();
  const leaf = makeCert(dir, 10);
  const ca = makeCert(dir, 100, true);
  const p = parsePems(pemsFromIssue({ certificate: leaf.cert, private_key: leaf.key, issuing_ca: ca.cert, ca_chain: [ca.cert], serial_number: '01' }));
  assert.equal(p.cert.trim(), leaf.cert.trim());
  assert.equal(p.key.trim(), leaf.key.trim());
  assert.equal(p.ca.trim(), ca.cert.trim());
  assert.equal(p.caChain.length, 1);
  const life = p.notAfter! - p.notBefore!;
  const wait = goodFor(p, 0.9, p.notBefore!, () => 0.5)!;
  assert.equal(wait, life * 0.9);
  assert.equal(goodFor(p, 0.9, p.notBefore! + life * 0.95, () => 0.5), undefined, 'past the renewal point');
  assert.equal(goodFor(parsePems(''), 0.9), undefined);
});

test('auth methods: required settings, credential files re-read, secret ID removed after reading', async () => {
  const dir = tempDir();
  const base = { mountPath: 'auth/kube-policy', minBackoff: 1, maxBackoff: 300, exitOnErr: false };
  assert.throws(() => createAuthMethod({ ...base, type: 'kubernetes', config: {} }), /missing 'role' value/);
  assert.throws(() => createAuthMethod({ ...base, type: 'nope', config: {} }), /unknown auth method type "nope"/);
  const client = new VaultClient({ address: 'http://127.0.0.1:1' });
  writeFileSync(join(dir, 'sa'), 'jwt-1\n');
  const k = createAuthMethod({ ...base, type: 'kubernetes', config: { role: 'r', token_path: join(dir, 'sa') } });
  assert.deepEqual(await k.credentials(client), { kind: 'login', path: 'auth/kube-policy/login', body: { role: 'r', jwt: 'jwt-1' } });
  writeFileSync(join(dir, 'sa'), 'jwt-2');
  assert.deepEqual((await k.credentials(client) as any).body.jwt, 'jwt-2');
  writeFileSync(join(dir, 'rid'), 'role-id');
  writeFileSync(join(dir, 'sid'), 'secret-id');
  const a = createAuthMethod({ ...base, mountPath: 'auth/approle', type: 'approle', config: { role_id_file_path: join(dir, 'rid'), secret_id_file_path: join(dir, 'sid') } });
  assert.deepEqual((await a.credentials(client) as any).body, { role_id: 'role-id', secret_id: 'secret-id' });
  assert.equal(existsSync(join(dir, 'sid')), false, 'secret ID file removed');
  assert.deepEqual((await a.credentials(client) as any).body, { role_id: 'role-id', secret_id: 'secret-id' }, 'cached for re-authentication');
  writeFileSync(join(dir, 'jwt'), 'a.b.c');
  const j = createAuthMethod({ ...base, mountPath: 'auth/jwt', type: 'jwt', config: { path: join(dir, 'jwt'), role: 'dev' } });
  assert.deepEqual((await j.credentials(client) as any).body, { role: 'dev', jwt: 'a.b.c' });
  assert.equal(existsSync(join(dir, 'jwt')), false);
  writeFileSync(join(dir, 'tok'), 'hvs.x\n');
  const t = createAuthMethod({ ...base, type: 'token_file', config: { token_file_path: join(dir, 'tok') } });
  assert.deepEqual(await t.credentials(client), { kind: 'token', token: 'hvs.x' });
  client.close();
});

test('coffer agent: usage errors and help', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { env: {}, stdout: { write: (s: string) => out.push(s) } as any, stderr: { write: (s: string) => err.push(s) } as any, signals: false };
  assert.equal(await runAgentCommand([], io), 1);
  assert.match(err.join(''), /No configuration read/);
  assert.equal(await runAgentCommand(['-h'], io), 0);
  assert.match(out.join(''), /Usage: coffer agent/);
  const dir = tempDir();
  writeFileSync(join(dir, 'bad.hcl'), 'exit_after_auth = "x"');
  assert.equal(await runAgentCommand([`-config=${join(dir, 'bad.hcl')}`], io), 1);
  assert.match(err.join(''), /bad\.hcl:1: exit_after_auth: expected a boolean/);
});
