/** Transit over real HTTP and the CLI: enable, encrypt/decrypt as the docs show, batches, ACL create vs update, datakey checked with node:crypto. */
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { after, before, test } from 'node:test';
import { cliEnv, runCLI } from '../../cli/run-cli.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
const run = (args: string[]) => runCLI(args, { env });

before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
});
after(async () => { await c.stop(); });

test('CLI: secrets enable transit, then encrypt and decrypt as in Vault\'s docs', async () => {
  let r = await run(['secrets', 'enable', 'transit']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Success! Enabled the transit secrets engine at: transit\//);
  r = await run(['write', '-f', 'transit/keys/my-key']);
  assert.equal(r.code, 0, r.stderr);
  // plaintext=$(base64 <<< "hello"): the shell's here-string adds a newline.
  const plaintext = Buffer.from('hello\n').toString('base64');
  r = await run(['write', '-field=ciphertext', 'transit/encrypt/my-key', `plaintext=${plaintext}`]);
  assert.equal(r.code, 0, r.stderr);
  const ciphertext = r.stdout.trim();
  assert.match(ciphertext, /^vault:v1:[A-Za-z0-9+/]+=*$/);
  r = await run(['write', '-field=plaintext', 'transit/decrypt/my-key', `ciphertext=${ciphertext}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(Buffer.from(r.stdout.trim(), 'base64').toString(), 'hello\n');
  r = await run(['read', '-format=json', 'transit/keys/my-key']);
  const key = JSON.parse(r.stdout).data;
  assert.deepEqual([key.type, key.latest_version, key.supports_encryption], ['aes256-gcm96', 1, true]);
  r = await run(['write', 'transit/decrypt/my-key', 'ciphertext=vault:v1:AAAA']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Code: 400/);
});

test('HTTP: Vault\'s envelope, LIST, 404 for a missing key, batch partial failure as 400 with results', async () => {
  await c.api('POST', 'sys/mounts/transit-http', { type: 'transit' });
  let r = await c.api('POST', 'transit-http/encrypt/app', { plaintext: Buffer.from('x').toString('base64') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.body.data.ciphertext, /^vault:v1:/);
  r = await c.api('LIST', 'transit-http/keys');
  assert.deepEqual(r.body.data.keys, ['app']);
  r = await c.api('GET', 'transit-http/keys/missing');
  assert.equal(r.status, 404);
  r = await c.api('POST', 'transit-http/decrypt/app', { batch_input: [{ ciphertext: 'junk', reference: 'bad' }] });
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.data.batch_results, [{ plaintext: '', error: 'invalid ciphertext: no prefix', reference: 'bad' }]);
  // Vault's envelope around the results, plus the item messages in `errors` as every Coffer 4xx has.
  assert.deepEqual([r.body.mount_type, r.body.errors, typeof r.body.request_id], ['transit', ['invalid ciphertext: no prefix'], 'string']);
  r = await c.api('POST', 'transit-http/decrypt/app', { ciphertext: 'junk' });
  assert.deepEqual([r.status, r.body.errors], [400, ['invalid ciphertext: no prefix']]);
  r = await c.api('POST', 'transit-http/keys/app', { type: 'bogus', derived: 'sometimes' });
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /"derived"/);
});

test('ACL: encrypt to a missing key needs create (Vault upserts only then); update suffices for an existing key', async () => {
  await c.api('POST', 'sys/mounts/transit-acl', { type: 'transit' });
  await c.api('POST', 'transit-acl/keys/exists', {});
  await c.api('PUT', 'sys/policies/acl/encrypt-only', { policy: 'path "transit-acl/encrypt/*" {\n  capabilities = ["update"]\n}\n' });
  const tok = await c.api('POST', 'auth/token/create', { policies: ['encrypt-only'] });
  const token = tok.body.auth.client_token as string;
  const pt = Buffer.from('p').toString('base64');
  assert.equal((await c.api('POST', 'transit-acl/encrypt/exists', { plaintext: pt }, token)).status, 200);
  assert.equal((await c.api('POST', 'transit-acl/encrypt/new-key', { plaintext: pt }, token)).status, 403);
  assert.equal((await c.api('GET', 'transit-acl/keys/new-key')).status, 404);
  assert.equal((await c.api('POST', 'transit-acl/decrypt/exists', { ciphertext: 'vault:v1:AAAA' }, token)).status, 403);
});

test('datakey/plaintext: its ciphertext opens with node:crypto and the exported key to the same data key', async () => {
  await c.api('POST', 'sys/mounts/transit-dk', { type: 'transit' });
  await c.api('POST', 'transit-dk/keys/dk', { exportable: true });
  const dk = (await c.api('POST', 'transit-dk/datakey/plaintext/dk', {})).body.data;
  const exported = (await c.api('GET', 'transit-dk/export/encryption-key/dk/1')).body.data.keys['1'];
  const raw = Buffer.from(dk.ciphertext.split(':')[2], 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(exported, 'base64'), raw.subarray(0, 12), { authTagLength: 16 });
  d.setAuthTag(raw.subarray(raw.length - 16));
  const opened = Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
  assert.equal(opened.toString('base64'), dk.plaintext);
  assert.equal(opened.length, 32);
});

test('keys survive a seal and unseal (stored below the barrier)', async () => {
  await c.api('POST', 'sys/mounts/transit-seal', { type: 'transit' });
  const enc = (await c.api('POST', 'transit-seal/encrypt/k', { plaintext: Buffer.from('kept').toString('base64') })).body.data.ciphertext;
  assert.equal((await c.api('PUT', 'sys/seal')).status, 204);
  assert.equal((await c.api('PUT', 'sys/unseal', { key: Buffer.from(c.unsealKey, 'hex').toString('base64') })).body.sealed, false);
  const dec = await c.api('POST', 'transit-seal/decrypt/k', { ciphertext: enc });
  assert.equal(Buffer.from(dec.body.data.plaintext, 'base64').toString(), 'kept');
});
