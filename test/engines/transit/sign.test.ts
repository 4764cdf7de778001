/** sign/verify checked against openssl, HMAC against an exported key, export encodings, hash and random. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, createPrivateKey, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { b64, rejects, transit } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'transit-sign-'));
let n = 0;
function file(content: string | Buffer): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, content);
  return p;
}

/** openssl's verdict on a signature; true when it prints "Verified OK". */
function opensslVerify(args: string[]): boolean {
  try {
    return /Verified OK|Signature Verified Successfully/.test(execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch {
    return false;
  }
}

const sigBytes = (sig: string) => Buffer.from(sig.split(':')[2]!, 'base64');
const ed25519Pem = (raw: string) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(raw, 'base64')]), format: 'der', type: 'spki' })
  .export({ format: 'pem', type: 'spki' }) as string;

test('ed25519, ECDSA and RSA signatures verify with openssl and the public key from the key read', async () => {
  const t = await transit();
  const msg = Buffer.from('the quick brown fox');
  const msgFile = file(msg);
  for (const type of ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa-2048', 'rsa-3072']) {
    const key = await t.write(`keys/${type}`, { type });
    const pub = (key.keys as Record<string, any>)['1'].public_key as string;
    const pem = file(type === 'ed25519' ? ed25519Pem(pub) : pub);
    const variants: [Record<string, unknown>, string[]][] = type === 'ed25519'
      ? [[{}, ['pkeyutl', '-verify', '-pubin', '-inkey', pem, '-rawin', '-in', msgFile, '-sigfile']]]
      : type.startsWith('ecdsa')
        ? [[{}, ['dgst', '-sha256', '-verify', pem, '-signature']], [{ hash_algorithm: 'sha2-384' }, ['dgst', '-sha384', '-verify', pem, '-signature']]]
        : [
          [{}, ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:auto', '-verify', pem, '-signature']],
          [{ salt_length: 'hash', hash_algorithm: 'sha2-512' }, ['dgst', '-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest', '-verify', pem, '-signature']],
          [{ signature_algorithm: 'pkcs1v15' }, ['dgst', '-sha256', '-verify', pem, '-signature']],
          [{ signature_algorithm: 'pkcs1v15', hash_algorithm: 'sha3-256' }, ['dgst', '-sha3-256', '-verify', pem, '-signature']],
        ];
    for (const [opts, args] of variants) {
      const s = await t.write(`sign/${type}`, { input: msg.toString('base64'), ...opts });
      assert.match(s.signature, /^vault:v1:/);
      assert.equal(s.key_version, 1);
      const sigFile = file(sigBytes(s.signature));
      const last = type === 'ed25519' ? [sigFile] : [sigFile, msgFile];
      assert.ok(opensslVerify([...args, ...last]), `${type} ${JSON.stringify(opts)}`);
      // Our own verify agrees, and refuses a different message.
      assert.equal((await t.write(`verify/${type}`, { input: msg.toString('base64'), signature: s.signature, ...opts })).valid, true);
      assert.equal((await t.write(`verify/${type}`, { input: b64('other'), signature: s.signature, ...opts })).valid, false);
    }
  }
});

test('ECDSA jws marshaling is r‖s in base64url; prehashed input is signed as given', async () => {
  const t = await transit();
  const key = await t.write('keys/ec', { type: 'ecdsa-p256' });
  const pub = createPublicKey((key.keys as Record<string, any>)['1'].public_key);
  const jws = await t.write('sign/ec', { input: b64('m'), marshaling_algorithm: 'jws' });
  const raw = Buffer.from((jws.signature as string).split(':')[2]!, 'base64url');
  assert.equal(raw.length, 64);
  assert.ok(nodeVerify('sha256', Buffer.from('m'), { key: pub, dsaEncoding: 'ieee-p1363' }, raw));
  assert.equal((await t.write('verify/ec', { input: b64('m'), signature: jws.signature, marshaling_algorithm: 'jws' })).valid, true);

  const digest = createHash('sha256').update('prehashed message').digest();
  const pre = await t.write('sign/ec/sha2-256', { input: digest.toString('base64'), prehashed: true });
  assert.ok(nodeVerify('sha256', Buffer.from('prehashed message'), pub, sigBytes(pre.signature)));

  await t.write('keys/rsa', { type: 'rsa-2048' });
  const rsaPub = (await t.call('read', 'keys/rsa'))!.data!.keys as Record<string, any>;
  const none = await t.write('sign/rsa', { input: b64('raw-bytes'), prehashed: true, hash_algorithm: 'none', signature_algorithm: 'pkcs1v15' });
  // hash_algorithm=none: PKCS#1 v1.5 padding over the raw input, no DigestInfo.
  const em = execFileSync('openssl', ['pkeyutl', '-verifyrecover', '-pubin', '-inkey', file(rsaPub['1'].public_key), '-in', file(sigBytes(none.signature))]);
  assert.equal(em.toString(), 'raw-bytes');
  await rejects(t.call('update', 'sign/rsa', { input: b64('x'), hash_algorithm: 'none' }), 400, 'hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15');
});

test('signatures made by openssl with the exported key verify here (PSS salt lengths, pkcs1v15)', async () => {
  const t = await transit();
  await t.write('keys/ex', { type: 'rsa-2048', exportable: true });
  const priv = ((await t.call('read', 'export/signing-key/ex/latest'))!.data!.keys as Record<string, string>)['1']!;
  assert.match(priv, /^-----BEGIN RSA PRIVATE KEY-----/);
  const keyFile = file(priv);
  const msgFile = file('signed elsewhere');
  const sign = (opts: string[]) => execFileSync('openssl', ['dgst', '-sha256', ...opts, '-sign', keyFile, msgFile]).toString('base64');
  const cases: [string[], Record<string, unknown>][] = [
    [['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'], { salt_length: 'hash' }],
    [['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'], {}],
    [['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:max'], { salt_length: 'auto' }],
    [['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:20'], { salt_length: '20' }],
    [[], { signature_algorithm: 'pkcs1v15' }],
  ];
  for (const [args, opts] of cases) {
    const r = await t.write('verify/ex', { input: b64('signed elsewhere'), signature: `vault:v1:${sign(args)}`, ...opts });
    assert.equal(r.valid, true, JSON.stringify(opts));
  }
  // A salt length that does not match is a failed verification, not an error.
  const r = await t.write('verify/ex', { input: b64('signed elsewhere'), signature: `vault:v1:${sign(['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:20'])}`, salt_length: 'hash' });
  assert.equal(r.valid, false);
  await rejects(t.call('update', 'verify/ex', { input: b64('x'), signature: 'vault:v1:AAAA', salt_length: 'lots' }), 400, "salt length neither 'auto', 'hash', nor an int: lots");
});

test('derived ed25519: one key pair per context, its public key returned and readable', async () => {
  const t = await transit();
  await t.write('keys/ded', { type: 'ed25519', derived: true });
  await rejects(t.call('update', 'sign/ded', { input: b64('m') }), 400, /^missing 'context' for key derivation/);
  const a = await t.write('sign/ded', { input: b64('m'), context: b64('alice') });
  const b = await t.write('sign/ded', { input: b64('m'), context: b64('bob') });
  assert.notEqual(a.public_key, b.public_key);
  const read = await t.call('read', 'keys/ded', {}, { data: { context: b64('alice') } });
  assert.equal(((read!.data!.keys as Record<string, any>)['1']).public_key, a.public_key);
  assert.equal(((await t.call('read', 'keys/ded'))!.data!.keys as Record<string, any>)['1'].public_key, '');
  assert.ok(opensslVerify(['pkeyutl', '-verify', '-pubin', '-inkey', file(ed25519Pem(a.public_key)), '-rawin', '-in', file('m'), '-sigfile', file(sigBytes(a.signature))]));
  assert.equal((await t.write('verify/ded', { input: b64('m'), signature: a.signature, context: b64('alice') })).valid, true);
  assert.equal((await t.write('verify/ded', { input: b64('m'), signature: a.signature, context: b64('bob') })).valid, false);
});

test('sign and verify errors, key versions and batches', async () => {
  const t = await transit();
  await t.write('keys/aes');
  await t.write('keys/ed', { type: 'ed25519' });
  await rejects(t.call('update', 'sign/none', { input: b64('x') }), 400, 'signing key not found');
  await rejects(t.call('update', 'verify/none', { input: b64('x'), signature: 'vault:v1:AA==' }), 400, 'signature verification key not found');
  await rejects(t.call('update', 'sign/aes', { input: b64('x') }), 400, 'key type aes256-gcm96 does not support signing');
  await rejects(t.call('update', 'sign/ed', { input: b64('x'), hash_algorithm: 'md5' }), 400, 'invalid hash algorithm "md5"');
  await rejects(t.call('update', 'sign/ed', { input: b64('x'), marshaling_algorithm: 'der' }), 400, 'invalid marshaling type "der"');
  await rejects(t.call('update', 'verify/ed', { input: b64('x') }), 400, "neither a 'signature' nor an 'hmac' were given to verify");
  await rejects(t.call('update', 'verify/ed', { input: b64('x'), signature: 'sig' }), 400, 'invalid signature: no prefix');
  await rejects(t.call('update', 'verify/ed', { input: b64('x'), signature: 'vault:v7:AA==' }), 400, 'invalid signature: version is too new');
  const v1 = await t.write('sign/ed', { input: b64('x') });
  await t.write('keys/ed/rotate');
  const v2 = await t.write('sign/ed', { input: b64('x') });
  assert.deepEqual([v2.key_version, (await t.write('verify/ed', { input: b64('x'), signature: v1.signature })).valid], [2, true]);
  await t.write('keys/ed/config', { min_decryption_version: 2 });
  await rejects(t.call('update', 'verify/ed', { input: b64('x'), signature: v1.signature }), 400, 'ciphertext or signature version is disallowed by policy (too old)');

  const batch = await t.call('update', 'sign/ed', { batch_input: [{ input: b64('a'), reference: 'r1' }, { input: '!!' }] });
  const items = batch!.data!.batch_results as any[];
  assert.equal(batch!.status, 400);
  assert.equal(items[0].reference, 'r1');
  assert.match(items[1].error, /^unable to decode input as base64/);
  assert.equal(items[1].key_version, 0);
  const vb = await t.write('verify/ed', { batch_input: [{ input: b64('a'), signature: items[0].signature }, { input: b64('b'), signature: items[0].signature }] });
  assert.deepEqual((vb.batch_results as any[]).map((i) => i.valid), [true, false]);
  await rejects(t.call('update', 'verify/ed', { batch_input: [{ input: b64('a'), signature: items[0].signature }, { input: b64('a'), hmac: 'vault:v1:AA==' }] }), 400,
    "elements of batch_input must all provide 'signature' or all provide 'hmac'");
});

test('HMAC: matches node:crypto with the exported key, per algorithm; verify; hmac key type', async () => {
  const t = await transit();
  await t.write('keys/mac', { exportable: true });
  const key = Buffer.from(((await t.call('read', 'export/hmac-key/mac'))!.data!.keys as Record<string, string>)['1']!, 'base64');
  assert.equal(key.length, 32);
  for (const [path, alg] of [['hmac/mac', 'sha256'], ['hmac/mac/sha2-512', 'sha512'], ['hmac/mac/sha3-256', 'sha3-256']] as const) {
    const r = await t.write(path, { input: b64('data') });
    assert.equal(r.hmac, `vault:v1:${createHmac(alg, key).update('data').digest('base64')}`, path);
    const vpath = path.replace('hmac/', 'verify/');
    assert.equal((await t.write(vpath, { input: b64('data'), hmac: r.hmac })).valid, true);
    assert.equal((await t.write(vpath, { input: b64('datA'), hmac: r.hmac })).valid, false);
  }
  await rejects(t.call('update', 'hmac/mac', {}), 400, 'missing input for HMAC');
  await rejects(t.call('update', 'hmac/none', { input: b64('x') }), 400, 'encryption key not found');
  await rejects(t.call('update', 'hmac/mac/md5', { input: b64('x') }), 400, 'unsupported algorithm "md5"');
  await rejects(t.call('update', 'verify/mac', { input: b64('x'), hmac: 'nope' }), 400, 'invalid HMAC to verify: no prefix');
  await t.write('keys/hk', { type: 'hmac', key_size: 48, exportable: true });
  const hk = Buffer.from(((await t.call('read', 'export/hmac-key/hk'))!.data!.keys as Record<string, string>)['1']!, 'base64');
  assert.equal(hk.length, 48);
  assert.equal((await t.write('hmac/hk', { input: b64('d') })).hmac, `vault:v1:${createHmac('sha256', hk).update('d').digest('base64')}`);
  const batch = await t.write('hmac/hk', { batch_input: [{ input: b64('1'), reference: 'one' }, { input: b64('2') }] });
  assert.deepEqual((batch.batch_results as any[]).map((i) => i.reference), ['one', '']);
  const hmacs = (batch.batch_results as any[]).map((i) => i.hmac as string);
  // As Vault: a batch HMAC verification item leaves `valid` out when it is false.
  const vb = await t.write('verify/hk', { batch_input: [{ input: b64('1'), hmac: hmacs[0] }, { input: b64('1'), hmac: hmacs[1] }] });
  assert.deepEqual(vb.batch_results, [{ valid: true, reference: '' }, { reference: '' }]);
  assert.deepEqual(await t.write('verify/hk', { input: b64('1'), hmac: hmacs[1] }), { valid: false });
});

test('export: only exportable keys, Vault\'s encodings, versions', async () => {
  const t = await transit();
  await t.write('keys/closed');
  await rejects(t.call('read', 'export/encryption-key/closed'), 400, 'private key material is not exportable');
  await t.write('keys/ec', { type: 'ecdsa-p384', exportable: true });
  await t.write('keys/ec/rotate');
  const all = (await t.call('read', 'export/signing-key/ec'))!.data!;
  assert.deepEqual([all.name, all.type, Object.keys(all.keys as object).sort()], ['ec', 'ecdsa-p384', ['1', '2']]);
  const pem = (all.keys as Record<string, string>)['2']!;
  assert.match(pem, /^-----BEGIN EC PRIVATE KEY-----/);
  assert.equal(createPrivateKey(pem).asymmetricKeyDetails!.namedCurve, 'secp384r1');
  assert.match(((await t.call('read', 'export/public-key/ec/v1'))!.data!.keys as Record<string, string>)['1']!, /^-----BEGIN PUBLIC KEY-----/);
  await rejects(t.call('read', 'export/encryption-key/ec'), 400, 'encryption not supported for the key');
  await rejects(t.call('read', 'export/secret-key/ec'), 400, 'invalid export type: secret-key');
  await rejects(t.call('read', 'export/signing-key/ec/9'), 400, 'version does not exist or cannot be found');
  await rejects(t.call('read', 'export/signing-key/ec/x1'), 400, 'invalid key version');
  assert.equal(await t.call('read', 'export/signing-key/none'), null);
  await t.write('keys/ed', { type: 'ed25519', exportable: true });
  const ed = Buffer.from(((await t.call('read', 'export/signing-key/ed/1'))!.data!.keys as Record<string, string>)['1']!, 'base64');
  // Go's 64-byte ed25519 private key: seed then public key.
  assert.equal(ed.length, 64);
  assert.equal(ed.subarray(32).toString('base64'), ((await t.call('read', 'keys/ed'))!.data!.keys as Record<string, any>)['1'].public_key);
});

test('hash and random', async () => {
  const t = await transit();
  assert.equal((await t.write('hash', { input: b64('abc') })).sum, createHash('sha256').update('abc').digest('hex'));
  assert.equal((await t.write('hash/sha2-512', { input: b64('abc'), format: 'base64' })).sum, createHash('sha512').update('abc').digest('base64'));
  assert.equal((await t.write('hash', { input: b64('abc'), algorithm: 'sha3-384' })).sum, createHash('sha3-384').update('abc').digest('hex'));
  await rejects(t.call('update', 'hash', {}), 400, 'input missing');
  await rejects(t.call('update', 'hash/md5', { input: b64('abc') }), 400, 'unsupported algorithm md5');
  assert.equal(Buffer.from((await t.write('random')).random_bytes, 'base64').length, 32);
  assert.match((await t.write('random/16', { format: 'hex' })).random_bytes, /^[0-9a-f]{32}$/);
  assert.equal(Buffer.from((await t.write('random/platform/24')).random_bytes, 'base64').length, 24);
  assert.equal(Buffer.from((await t.write('random', { bytes: 8 })).random_bytes, 'base64').length, 8);
  await rejects(t.call('update', 'random', { bytes: 0 }), 400, "'bytes' cannot be less than 1");
  await rejects(t.call('update', 'random', { format: 'bin' }), 400, 'unsupported encoding format "bin"; must be "hex" or "base64"');
  await rejects(t.call('update', 'random/moon'), 400, 'unsupported entropy source "moon"; must be "platform" or "seal", or "all"');
});
