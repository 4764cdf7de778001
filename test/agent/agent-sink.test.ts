/**
 * What a sink receives: the token response-wrapped (a sink's wrap_ttl) and sealed to a reader's
 * curve25519 key (dh_type, dh_path, derive_key, aad, aad_env_var). The envelopes are opened in
 * Python with the `cryptography` package, an implementation independent of the agent's, the way
 * a reader using Vault's dhutil would open them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AgentConfigError, parseAgentConfig } from '../../src/agent/config.js';
import { FileSink } from '../../src/agent/sink.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { agentFromHCL, api, setupAppRole, tempDir, writePolicy } from './helpers.js';

// .ci/run installs Debian's python3-cryptography when no python3 here has the package.
const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import cryptography'], { stdio: 'ignore' }).status === 0);

const OPEN_ENVELOPE = `
import base64, json, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
private = X25519PrivateKey.from_private_bytes(base64.b64decode(sys.argv[1]))
envelope = json.load(open(sys.argv[2]))
theirs = base64.b64decode(envelope["curve25519_public_key"])
secret = private.exchange(X25519PublicKey.from_public_bytes(theirs))
key = secret
if sys.argv[3] == "derive":
    first, second = sorted([private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), theirs])
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=first, info=second).derive(secret)
plain = AESGCM(key).decrypt(base64.b64decode(envelope["nonce"]), base64.b64decode(envelope["encrypted_payload"]), sys.argv[4].encode())
sys.stdout.write(plain.decode())
`;

/** A reader's key pair: the private key for Python, the public key file for dh_path. */
function readerKey(dir: string): { privateB64: string; dhPath: string } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const dhPath = join(dir, 'reader.json');
  writeFileSync(dhPath, JSON.stringify({ curve25519_public_key: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64') }));
  return { privateB64: Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('base64'), dhPath };
}

function openEnvelope(privateB64: string, file: string, derive: boolean, aad: string): { ok: boolean; out: string } {
  assert.ok(python, 'no python3 with the cryptography package (.ci/run installs python3-cryptography)');
  const r = spawnSync(python, ['-c', OPEN_ENVELOPE, privateB64, file, derive ? 'derive' : 'raw', aad], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : r.stderr };
}

let coffer: TestCoffer;
before(async () => {
  coffer = await startCoffer();
  await writePolicy(coffer, 'reader', 'path "secret/*" { capabilities = ["read"] }');
});
after(async () => {
  await coffer.stop();
});

const agentHCL = (roleIdFile: string, secretIdFile: string, sink: string) => `
exit_after_auth = true
auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "${roleIdFile}"
      secret_id_file_path = "${secretIdFile}"
    }
  }
  ${sink}
}
`;

test('dh_type with derive_key and aad_env_var: only the reader\'s key opens the sink, and it holds the token', async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, ['reader']);
  const { privateB64, dhPath } = readerKey(dir);
  const sink = `sink "file" {
    dh_type = "curve25519"
    dh_path = "${dhPath}"
    derive_key = true
    aad_env_var = "SINK_AAD"
    config = { path = "${dir}/sealed" }
  }`;
  const agent = agentFromHCL(agentHCL(roleIdFile, secretIdFile, sink), join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr, SINK_AAD: 'pod-7' });
  assert.equal(await agent.run(), 0);
  const sealedFile = join(dir, 'sealed');
  const envelope = JSON.parse(readFileSync(sealedFile, 'utf8'));
  assert.deepEqual(Object.keys(envelope).sort(), ['curve25519_public_key', 'encrypted_payload', 'nonce']);
  assert.doesNotMatch(readFileSync(sealedFile, 'utf8'), /hvs\./, 'no token in clear');
  const opened = openEnvelope(privateB64, sealedFile, true, 'pod-7');
  assert.ok(opened.ok, opened.out);
  assert.equal((await api(coffer, 'GET', 'auth/token/lookup-self', undefined, opened.out)).data.path, 'auth/approle/login');
  assert.equal(openEnvelope(privateB64, sealedFile, true, 'pod-8').ok, false, 'another AAD does not open it');
  assert.equal(openEnvelope(privateB64, sealedFile, false, 'pod-7').ok, false, 'the key is the HKDF of the secret, not the secret');
  assert.equal(openEnvelope(readerKey(dir).privateB64, sealedFile, true, 'pod-7').ok, false, 'another reader key does not open it');
});

test('wrap_ttl and dh_type on one sink: wrapped first, then sealed (the shared secret as the key without derive_key)', async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, ['reader']);
  const { privateB64, dhPath } = readerKey(dir);
  const sink = `sink "file" {
    wrap_ttl = "5m"
    dh_type = "curve25519"
    dh_path = "${dhPath}"
    aad = "inline-aad"
    config = { path = "${dir}/sealed" }
  }`;
  assert.equal(await agentFromHCL(agentHCL(roleIdFile, secretIdFile, sink), join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr }).run(), 0);
  const opened = openEnvelope(privateB64, join(dir, 'sealed'), false, 'inline-aad');
  assert.ok(opened.ok, opened.out);
  const info = JSON.parse(opened.out);
  assert.equal(info.ttl, 300);
  assert.equal(info.creation_path, 'sys/wrapping/wrap');
  const unwrapped = await api(coffer, 'POST', 'sys/wrapping/unwrap', undefined, info.token);
  assert.equal((await api(coffer, 'GET', 'auth/token/lookup-self', undefined, unwrapped.data.token)).data.path, 'auth/approle/login');
});

test('a sink\'s wrap_ttl: the file holds a single-use wrapping token, never the token itself', async () => {
  const dir = tempDir();
  const { roleIdFile, secretIdFile } = await setupAppRole(coffer, dir, ['reader']);
  const sink = `sink "file" {
    wrap_ttl = "2m"
    config = { path = "${dir}/wrapped" }
  }
  sink "file" { config = { path = "${dir}/plain" } }`;
  assert.equal(await agentFromHCL(agentHCL(roleIdFile, secretIdFile, sink), join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr }).run(), 0);
  const token = readFileSync(join(dir, 'plain'), 'utf8');
  const info = JSON.parse(readFileSync(join(dir, 'wrapped'), 'utf8'));
  assert.equal(info.ttl, 120);
  assert.notEqual(info.token, token);
  assert.equal((await api(coffer, 'POST', 'sys/wrapping/unwrap', undefined, info.token)).data.token, token);
  const again = await coffer.api('POST', 'sys/wrapping/unwrap', {}, info.token);
  assert.equal(again.status, 400, 'the wrapping token works once');
});

test('sink encryption settings are checked as Vault checks them', () => {
  const parse = (sinkBody: string) => parseAgentConfig(`auto_auth {
  method "token_file" { config = { token_file_path = "/tmp/t" } }
  sink "file" {
    ${sinkBody}
    config = { path = "/tmp/s" }
  }
}`, 'agent.hcl');
  const fails = (body: string, msg: string) => assert.throws(() => parse(body), (e: Error) => e instanceof AgentConfigError && e.message.includes(msg), msg);
  fails('dh_type = "p256"\n dh_path = "/tmp/k"', "sink.file: invalid value for 'dh_type'");
  fails('dh_type = "curve25519"', "'dh_type' and 'dh_path' must be specified together");
  fails('dh_path = "/tmp/k"', "'dh_type' and 'dh_path' must be specified together");
  fails('aad = "x"', "specifying AAD data without 'dh_type' does not make sense");
  fails('derive_key = true', "specifying 'derive_key' data without 'dh_type' does not make sense");
  const ok = parse('dh_type = "curve25519"\n dh_path = "/tmp/k"\n derive_key = true\n aad = "a"');
  assert.deepEqual(ok.autoAuth!.sinks[0]!.encryption, { type: 'curve25519', path: '/tmp/k', deriveKey: true, aad: 'a', aadEnvVar: undefined });
});

test('the reader\'s key file: missing, malformed or the wrong size are named errors; once read, it is kept', async () => {
  const dir = tempDir();
  const noWrap = () => Promise.reject(new Error('not wrapped'));
  const sinkWith = (path: string) => new FileSink({ type: 'file', path: join(dir, 's'), mode: 0o600, encryption: { type: 'curve25519', path, deriveKey: true, aad: '' } });
  await assert.rejects(sinkWith(join(dir, 'absent.json')).contents('t', undefined, noWrap), /^Error: no dh parameters file found, and no cached pub key$/);
  writeFileSync(join(dir, 'bad.json'), '{not json');
  await assert.rejects(sinkWith(join(dir, 'bad.json')).contents('t', undefined, noWrap), /error decoding public key/);
  writeFileSync(join(dir, 'empty.json'), '{}');
  await assert.rejects(sinkWith(join(dir, 'empty.json')).contents('t', undefined, noWrap), /public key is nil/);
  writeFileSync(join(dir, 'short.json'), JSON.stringify({ curve25519_public_key: Buffer.alloc(16, 1).toString('base64') }));
  await assert.rejects(sinkWith(join(dir, 'short.json')).contents('t', undefined, noWrap), /invalid public key length: 16/);

  const { privateB64, dhPath } = readerKey(dir);
  const sink = sinkWith(dhPath);
  const first = await sink.contents('token-1', undefined, noWrap);
  rmSync(dhPath);
  const second = await sink.contents('token-2', undefined, noWrap);
  assert.equal(JSON.parse(first).curve25519_public_key, JSON.parse(second).curve25519_public_key, 'one agent key pair for the agent\'s lifetime');
  assert.notEqual(JSON.parse(first).nonce, JSON.parse(second).nonce);
  writeFileSync(join(dir, 'second'), second);
  assert.deepEqual(openEnvelope(privateB64, join(dir, 'second'), true, ''), { ok: true, out: 'token-2' });
});
