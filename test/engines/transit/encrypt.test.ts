/** encrypt/decrypt/rewrap/datakey: the ciphertext format, derivation, convergence, batches and Vault's errors. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDecipheriv, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { b64, rejects, transit } from './helpers.js';

/** HKDF-SHA256 by openssl's own implementation, so derivation is checked against a second one. */
function opensslHkdf(keyB64: string, context: Buffer, n: number): Buffer {
  const out = execFileSync('openssl', ['kdf', '-keylen', String(n), '-kdfopt', 'digest:SHA256', '-kdfopt', `hexkey:${Buffer.from(keyB64, 'base64').toString('hex')}`,
    '-kdfopt', `hexinfo:${context.toString('hex')}`, 'HKDF'], { encoding: 'utf8' });
  return Buffer.from(out.trim().replace(/:/g, ''), 'hex');
}

/** Opens vault:vN:base64(nonce‖ciphertext‖tag) with node:crypto directly. */
function openGcm(key: Buffer, ciphertext: string, alg = 'aes-256-gcm'): { nonce: Buffer; plain: Buffer } {
  const raw = Buffer.from(ciphertext.split(':')[2]!, 'base64');
  const nonce = raw.subarray(0, 12);
  const d = createDecipheriv(alg as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
  d.setAuthTag(raw.subarray(raw.length - 16));
  return { nonce, plain: Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]) };
}

test('round trip for every encrypting key type, in Vault\'s ciphertext format', async () => {
  const t = await transit();
  for (const type of ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305', 'rsa-2048']) {
    await t.write(`keys/${type}`, { type });
    const enc = await t.write(`encrypt/${type}`, { plaintext: b64('hello world') });
    assert.match(enc.ciphertext, /^vault:v1:[A-Za-z0-9+/]+=*$/, type);
    assert.equal(enc.key_version, 1);
    const dec = await t.write(`decrypt/${type}`, { ciphertext: enc.ciphertext });
    assert.equal(Buffer.from(dec.plaintext, 'base64').toString(), 'hello world', type);
    // A random nonce: the same plaintext never encrypts the same way twice.
    assert.notEqual((await t.write(`encrypt/${type}`, { plaintext: b64('hello world') })).ciphertext, enc.ciphertext);
  }
  const empty = await t.write('encrypt/aes256-gcm96', { plaintext: '' });
  assert.equal((await t.write('decrypt/aes256-gcm96', { ciphertext: empty.ciphertext })).plaintext, '');
});

test('rsa-4096: OAEP round trip; a plaintext too long for the modulus is a 400', async () => {
  const t = await transit();
  await t.write('keys/big', { type: 'rsa-4096' });
  const enc = await t.write('encrypt/big', { plaintext: b64('four thousand') });
  assert.equal(Buffer.from((await t.write('decrypt/big', { ciphertext: enc.ciphertext })).plaintext, 'base64').toString(), 'four thousand');
  assert.equal(Buffer.from((enc.ciphertext as string).split(':')[2]!, 'base64').length, 512);
  await rejects(t.call('update', 'encrypt/big', { plaintext: Buffer.alloc(600).toString('base64') }), 400, /^failed to RSA encrypt the plaintext/);
  const forged = `vault:v1:${Buffer.alloc(512, 7).toString('base64')}`;
  await rejects(t.call('update', 'decrypt/big', { ciphertext: forged }), 400, 'failed to RSA decrypt the ciphertext: crypto/rsa: decryption error');
});

test('an exported AES key opens the ciphertext with node:crypto (nonce ‖ ciphertext ‖ tag, 12-byte nonce)', async () => {
  const t = await transit();
  await t.write('keys/x', { exportable: true });
  const enc = await t.write('encrypt/x', { plaintext: b64('independent') });
  const key = (await t.call('read', 'export/encryption-key/x/1'))!.data!.keys as Record<string, string>;
  assert.equal(openGcm(Buffer.from(key['1']!, 'base64'), enc.ciphertext).plain.toString(), 'independent');
});

test('encrypt creates an aes256-gcm96 key on first use; derived when a context is sent', async () => {
  const t = await transit();
  const enc = await t.call('create', 'encrypt/fresh', { plaintext: b64('x') });
  assert.match(enc!.data!.ciphertext as string, /^vault:v1:/);
  assert.equal((await t.call('read', 'keys/fresh'))!.data!.type, 'aes256-gcm96');
  await t.call('create', 'encrypt/fresh-derived', { plaintext: b64('x'), context: b64('ctx') });
  assert.equal((await t.call('read', 'keys/fresh-derived'))!.data!.derived, true);
  await rejects(t.call('create', 'encrypt/bad', { plaintext: b64('x'), type: 'ecdsa-p256' }), 400, 'key type ecdsa-p256 not supported for this operation');
  await rejects(t.call('create', 'encrypt/bad', { plaintext: b64('x'), convergent_encryption: true }), 400, 'convergent encryption requires derivation to be enabled, so context is required');
  await rejects(t.call('update', 'decrypt/none', { ciphertext: 'vault:v1:AAAA' }), 400, 'encryption key not found');
  // config/keys disable_upsert: encrypt no longer creates keys.
  assert.deepEqual((await t.call('read', 'config/keys'))!.data, { disable_upsert: false });
  assert.deepEqual(await t.write('config/keys', { disable_upsert: true }), { disable_upsert: true });
  await rejects(t.call('create', 'encrypt/not-made', { plaintext: b64('x') }), 400, 'encryption key not found');
  assert.equal(await t.call('read', 'keys/not-made'), null);
});

test('Vault\'s errors for bad input', async () => {
  const t = await transit();
  await t.write('keys/e');
  const good = (await t.write('encrypt/e', { plaintext: b64('secret') })).ciphertext as string;
  const cases: [string, Record<string, unknown>, string | RegExp][] = [
    ['encrypt/e', {}, 'missing plaintext to encrypt'],
    ['encrypt/e', { plaintext: 'not base64!' }, /^illegal base64 data at input byte 3$/],
    ['encrypt/e', { plaintext: b64('x'), key_version: 2 }, 'requested version for encryption is higher than the latest key version'],
    ['decrypt/e', {}, 'missing ciphertext to decrypt'],
    ['decrypt/e', { ciphertext: 'nope' }, 'invalid ciphertext: no prefix'],
    ['decrypt/e', { ciphertext: 'vault:v1' }, 'invalid ciphertext: wrong number of fields'],
    ['decrypt/e', { ciphertext: 'vault:vX:AAAA' }, 'invalid ciphertext: version number could not be decoded'],
    ['decrypt/e', { ciphertext: 'vault:v9:AAAA' }, 'invalid ciphertext: version is too new'],
    ['decrypt/e', { ciphertext: 'vault:v1:***' }, 'invalid ciphertext: could not decode base64'],
    ['decrypt/e', { ciphertext: good.slice(0, -6) + 'AAAA==' }, 'cipher: message authentication failed'],
  ];
  for (const [path, data, msg] of cases) await rejects(t.call('update', path, data), 400, msg);
  await rejects(t.call('update', 'encrypt/e', { plaintext: b64('x'), key_version: 'one' }), 400, /field "key_version"/);
  await t.write('keys/signer', { type: 'ed25519' });
  await rejects(t.call('update', 'encrypt/signer', { plaintext: b64('x') }), 400, 'message encryption not supported for key type ed25519');
});

test('rotation, min_decryption_version and rewrap', async () => {
  const t = await transit();
  await t.write('keys/rot');
  const v1 = (await t.write('encrypt/rot', { plaintext: b64('old') })).ciphertext as string;
  await t.write('keys/rot/rotate');
  const v2 = await t.write('encrypt/rot', { plaintext: b64('new') });
  assert.deepEqual([v2.key_version, (v2.ciphertext as string).startsWith('vault:v2:')], [2, true]);
  assert.match((await t.write('encrypt/rot', { plaintext: b64('x'), key_version: 1 })).ciphertext, /^vault:v1:/);
  const rewrapped = await t.write('rewrap/rot', { ciphertext: v1 });
  assert.match(rewrapped.ciphertext, /^vault:v2:/);
  assert.equal(Buffer.from((await t.write('decrypt/rot', { ciphertext: rewrapped.ciphertext })).plaintext, 'base64').toString(), 'old');
  await t.write('keys/rot/config', { min_decryption_version: 2 });
  await rejects(t.call('update', 'decrypt/rot', { ciphertext: v1 }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
  await t.write('keys/rot/config', { min_encryption_version: 2 });
  await rejects(t.call('update', 'encrypt/rot', { plaintext: b64('x'), key_version: 1 }), 400, 'requested version for encryption is less than the minimum encryption key version');
});

test('derived keys: HKDF-SHA256(key, info=context), checked with openssl; context required; contexts do not mix', async () => {
  const t = await transit();
  for (const type of ['aes256-gcm96', 'aes128-gcm96']) {
    await t.write(`keys/d-${type}`, { type, derived: true, exportable: true });
    const ctx = Buffer.from('user-42');
    const enc = await t.write(`encrypt/d-${type}`, { plaintext: b64('per user'), context: ctx.toString('base64') });
    const base = ((await t.call('read', `export/encryption-key/d-${type}`))!.data!.keys as Record<string, string>)['1']!;
    const n = type === 'aes128-gcm96' ? 16 : 32;
    const derived = opensslHkdf(base, ctx, n);
    assert.equal(openGcm(derived, enc.ciphertext, n === 16 ? 'aes-128-gcm' : 'aes-256-gcm').plain.toString(), 'per user', type);
    await rejects(t.call('update', `decrypt/d-${type}`, { ciphertext: enc.ciphertext }), 400, /^missing 'context' for key derivation/);
    await rejects(t.call('update', `decrypt/d-${type}`, { ciphertext: enc.ciphertext, context: b64('user-43') }), 400, 'cipher: message authentication failed');
  }
});

test('convergent encryption (version 3): nonce = HMAC-SHA256(derived bytes 32..64, plaintext)[:12], deterministic per context', async () => {
  const t = await transit();
  const k = await t.write('keys/conv', { derived: true, convergent_encryption: true, exportable: true });
  assert.deepEqual([k.convergent_encryption, k.convergent_encryption_version, k.kdf], [true, 3, 'hkdf_sha256']);
  const ctx = Buffer.from('tenant-a');
  const a = (await t.write('encrypt/conv', { plaintext: b64('same'), context: ctx.toString('base64') })).ciphertext as string;
  const b = (await t.write('encrypt/conv', { plaintext: b64('same'), context: ctx.toString('base64') })).ciphertext as string;
  const c = (await t.write('encrypt/conv', { plaintext: b64('same'), context: b64('tenant-b') })).ciphertext as string;
  assert.equal(a, b);
  assert.notEqual(a, c);
  const base = ((await t.call('read', 'export/encryption-key/conv/1'))!.data!.keys as Record<string, string>)['1']!;
  const okm = opensslHkdf(base, ctx, 64);
  const { nonce, plain } = openGcm(okm.subarray(0, 32), a);
  assert.equal(plain.toString(), 'same');
  assert.deepEqual(nonce, createHmac('sha256', okm.subarray(32, 64)).update('same').digest().subarray(0, 12));
});

test('associated data is authenticated', async () => {
  const t = await transit();
  await t.write('keys/ad');
  const enc = await t.write('encrypt/ad', { plaintext: b64('p'), associated_data: b64('header') });
  assert.equal((await t.write('decrypt/ad', { ciphertext: enc.ciphertext, associated_data: b64('header') })).plaintext, b64('p'));
  await rejects(t.call('update', 'decrypt/ad', { ciphertext: enc.ciphertext, associated_data: b64('other') }), 400, 'cipher: message authentication failed');
  await rejects(t.call('update', 'decrypt/ad', { ciphertext: enc.ciphertext }), 400, 'cipher: message authentication failed');
});

test('batches: per-item results and errors, references echoed, 400 when any item fails', async () => {
  const t = await transit();
  await t.write('keys/batch');
  const ok = await t.call('update', 'encrypt/batch', { batch_input: [{ plaintext: b64('one'), reference: 'a' }, { plaintext: b64('two'), reference: 'b' }] });
  const items = ok!.data!.batch_results as any[];
  assert.equal(ok!.status, undefined);
  assert.deepEqual(items.map((i) => [i.reference, i.key_version, /^vault:v1:/.test(i.ciphertext)]), [['a', 1, true], ['b', 1, true]]);
  const dec = await t.call('update', 'decrypt/batch', { batch_input: [...items.map((i) => ({ ciphertext: i.ciphertext, reference: i.reference })), { ciphertext: 'junk', reference: 'c' }] });
  assert.equal(dec!.status, 400);
  assert.deepEqual(dec!.data!.batch_results, [
    { plaintext: b64('one'), reference: 'a' }, { plaintext: b64('two'), reference: 'b' }, { plaintext: '', error: 'invalid ciphertext: no prefix', reference: 'c' },
  ]);
  const partial = await t.call('update', 'decrypt/batch', { partial_failure_response_code: 207, batch_input: [{ ciphertext: items[0].ciphertext }, { ciphertext: 'junk' }] });
  assert.equal(partial!.status, 207);
  const rewrap = await t.call('update', 'rewrap/batch', { batch_input: items.map((i) => ({ ciphertext: i.ciphertext })) });
  assert.equal((rewrap!.data!.batch_results as any[]).length, 2);
  await rejects(t.call('update', 'encrypt/batch', { batch_input: [] }), 400, 'missing batch input to process');
  await rejects(t.call('update', 'encrypt/batch', { batch_input: [{ plaintext: b64('a'), context: b64('c') }, { plaintext: b64('b') }] }), 400,
    'context should be set either in all the request blocks or in none');
  await rejects(t.call('update', 'encrypt/batch', { batch_input: 'nope' }), 400, /^failed to parse batch input/);
  await rejects(t.call('update', 'encrypt/batch', { batch_input: [{ plaintext: b64('a'), key_version: 'x' }] }), 400, /key_version/);
});

test('datakey: plaintext and wrapped; the wrapped key decrypts to the plaintext one', async () => {
  const t = await transit();
  await t.write('keys/dk');
  const plain = await t.write('datakey/plaintext/dk', { bits: 512 });
  assert.equal(Buffer.from(plain.plaintext, 'base64').length, 64);
  assert.equal((await t.write('decrypt/dk', { ciphertext: plain.ciphertext })).plaintext, plain.plaintext);
  const wrapped = await t.write('datakey/wrapped/dk');
  assert.deepEqual([wrapped.plaintext, wrapped.key_version], [undefined, 1]);
  assert.equal(Buffer.from((await t.write('decrypt/dk', { ciphertext: wrapped.ciphertext })).plaintext, 'base64').length, 32);
  await rejects(t.call('update', 'datakey/other/dk'), 400, "Invalid path, must be 'plaintext' or 'wrapped'");
  await rejects(t.call('update', 'datakey/plaintext/dk', { bits: 100 }), 400, 'invalid bit length');
  await rejects(t.call('update', 'datakey/plaintext/none'), 400, 'encryption key not found');
});
