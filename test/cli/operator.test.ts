/**
 * The operator lifecycle through the CLI on a fresh, sealed server: init, unseal, status exit
 * codes, key status and rotation, sealing, and generating a new root token with an OTP.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { runCLI, tempHome } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
let keys: string[] = [];
let root = '';

before(async () => {
  c = await startCoffer({ uninitialized: true });
  env = { VAULT_ADDR: c.addr, HOME: tempHome() };
});
after(async () => { await c.stop(); });

test('a new server: init -status exits 2, status exits 2', async () => {
  let r = await runCLI(['operator', 'init', '-status'], { env });
  assert.deepEqual([r.code, r.stdout], [2, 'Vault is not initialized\n']);
  r = await runCLI(['status'], { env });
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^Initialized +false$/m);
  assert.match(r.stdout, /^Sealed +true$/m);
});

test('operator init returns the shares and the root token', async () => {
  const r = await runCLI(['operator', 'init', '-key-shares=3', '-key-threshold=2', '-format=json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['unseal_keys_b64', 'unseal_keys_hex', 'unseal_shares', 'unseal_threshold', 'recovery_keys_b64', 'recovery_keys_hex', 'recovery_keys_shares', 'recovery_keys_threshold', 'root_token']);
  assert.equal(out.unseal_keys_hex.length, 3);
  assert.equal(out.unseal_shares, 3);
  assert.equal(out.unseal_threshold, 2);
  keys = out.unseal_keys_b64;
  root = out.root_token;
  const again = await runCLI(['operator', 'init'], { env });
  assert.equal(again.code, 2, 'a second init is a server error');
  assert.match(again.stderr, /^Error initializing: Error making API request\./);
});

test('unseal: progress, then unsealed; status then exits 0', async () => {
  let r = await runCLI(['operator', 'unseal', keys[0]!], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Sealed +true$/m);
  assert.match(r.stdout, /^Unseal Progress +1\/2$/m);
  r = await runCLI(['operator', 'unseal', '-reset'], { env });
  assert.match(r.stdout, /^Unseal Progress +0\/2$/m);
  r = await runCLI(['operator', 'unseal'], { env, stdin: `${keys[1]}\n` });
  assert.match(r.stdout, /^Unseal Progress +1\/2$/m, 'the key can come from stdin');
  r = await runCLI(['operator', 'unseal', '-format=json', keys[2]!], { env });
  assert.equal(JSON.parse(r.stdout).sealed, false);
  r = await runCLI(['status'], { env });
  assert.equal(r.code, 0);
  r = await runCLI(['operator', 'unseal', '-non-interactive'], { env });
  assert.equal(r.code, 1);
});

test('bad unseal key is a server error (2)', async () => {
  const r = await runCLI(['operator', 'unseal', 'not-a-key!'], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error unsealing: Error making API request\./);
});

test('key-status and rotate', async () => {
  const auth = { ...env, VAULT_TOKEN: root };
  let r = await runCLI(['operator', 'key-status'], { env: auth });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Key Term +1\nInstall Time +\d\d [A-Z][a-z]{2} \d\d \d\d:\d\d UTC\nEncryption Count +\d+\n$/);
  r = await runCLI(['operator', 'rotate'], { env: auth });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Success! Rotated key\n\nKey Term +2\n/);
  r = await runCLI(['operator', 'key-status', '-format=json'], { env: auth });
  assert.equal(JSON.parse(r.stdout).term, 2);
  r = await runCLI(['operator', 'rotate'], { env });
  assert.equal(r.code, 2, 'no token: denied');
});

test('generate-root: OTP, key shares with the nonce, decode to a working root token', async () => {
  const otpRun = await runCLI(['operator', 'generate-root', '-generate-otp'], { env });
  assert.equal(otpRun.code, 0, otpRun.stderr);
  const otp = otpRun.stdout;
  assert.match(otp, /^[0-9A-Za-z]{28}$/);
  let r = await runCLI(['operator', 'generate-root', '-init', `-otp=${otp}`, '-format=json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const started = JSON.parse(r.stdout);
  assert.equal(started.started, true);
  assert.equal(started.required, 2);
  r = await runCLI(['operator', 'generate-root', keys[0]!], { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Missing nonce value: specify it via the -nonce flag/);
  r = await runCLI(['operator', 'generate-root', `-nonce=${started.nonce}`, keys[0]!], { env });
  assert.match(r.stdout, /^Progress +1\/2$/m);
  r = await runCLI(['operator', 'generate-root', '-status'], { env });
  assert.match(r.stdout, /^Started +true$/m);
  r = await runCLI(['operator', 'generate-root', '-format=json', `-nonce=${started.nonce}`, keys[1]!], { env });
  const done = JSON.parse(r.stdout);
  assert.equal(done.complete, true);
  const encoded = done.encoded_token || done.encoded_root_token;
  r = await runCLI(['operator', 'generate-root', `-decode=${encoded}`, `-otp=${otp}`], { env });
  assert.equal(r.code, 0, r.stderr);
  const newRoot = r.stdout;
  assert.match(newRoot, /^hvs\./);
  r = await runCLI(['token', 'lookup', '-format=json'], { env: { ...env, VAULT_TOKEN: newRoot } });
  assert.deepEqual(JSON.parse(r.stdout).data.policies, ['root']);
  r = await runCLI(['operator', 'generate-root', '-decode=-', `-otp=${otp}`], { env, stdin: encoded });
  assert.equal(r.stdout, newRoot, '-decode=- reads stdin');
  r = await runCLI(['operator', 'generate-root', `-decode=${encoded}`], { env });
  assert.deepEqual([r.code, r.stderr], [1, 'Missing otp: use -otp to supply it\n']);
});

test('generate-root -init without an OTP prints a generated one; -cancel discards the attempt', async () => {
  let r = await runCLI(['operator', 'generate-root', '-init'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^OTP +[0-9A-Za-z]{28}$/m);
  assert.match(r.stdout, /^OTP Length +28$/m);
  r = await runCLI(['operator', 'generate-root', '-cancel'], { env });
  assert.equal(r.stdout, 'Success! Root token generation canceled (if it was started)\n');
  r = await runCLI(['operator', 'generate-root', '-status', '-format=json'], { env });
  assert.equal(JSON.parse(r.stdout).started, false);
});

test('seal: the server answers 503 afterwards and status exits 2', async () => {
  let r = await runCLI(['operator', 'seal'], { env: { ...env, VAULT_TOKEN: root } });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Vault is sealed.\n'], r.stderr);
  await new Promise((res) => setTimeout(res, 50));
  r = await runCLI(['status'], { env });
  assert.equal(r.code, 2);
  r = await runCLI(['kv', 'get', 'secret/x'], { env: { ...env, VAULT_TOKEN: root } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Code: 503/);
});
