import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { encodePrivateKey, spkiOf } from '../../../src/engines/pki/x509/key-encoding.js';
import { int, namedBits, oid, parseTop, readOid, readSmallInt, time, readTime, uintBytes, readUint } from '../../../src/engines/pki/x509/der.js';
import { encodeName, parseName } from '../../../src/engines/pki/x509/name.js';
import { formatIP } from '../../../src/engines/pki/x509/parse.js';
import { ipBytes } from '../../../src/engines/pki/x509/cert-builder.js';
import { rfc3339Nano, computeNotAfter } from '../../../src/engines/pki/ttl.js';
import { opensslOk } from './helpers.js';

test('key encodings built from JWK are byte-identical to OpenSSL', () => {
  const keys = [
    ...['P-224', 'P-256', 'P-384', 'P-521'].map((c) => generateKeyPairSync('ec', { namedCurve: c })),
    generateKeyPairSync('rsa', { modulusLength: 2048 }),
    generateKeyPairSync('ed25519'),
  ];
  for (const { privateKey, publicKey } of keys) {
    const t = privateKey.asymmetricKeyType;
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    assert.ok(spkiOf(privateKey).equals(spki), `${t} spki from private`);
    assert.ok(spkiOf(publicKey).equals(spki), `${t} spki from public`);
    assert.ok(encodePrivateKey(privateKey, 'pkcs8').der.equals(privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer), `${t} pkcs8`);
    if (t === 'ec') {
      const e = encodePrivateKey(privateKey, 'sec1');
      assert.ok(e.der.equals(privateKey.export({ type: 'sec1', format: 'der' }) as Buffer), 'sec1');
      assert.equal(e.pem, (privateKey.export({ type: 'sec1', format: 'pem' }) as string).trim());
    }
    if (t === 'rsa') assert.equal(encodePrivateKey(privateKey, 'pkcs1').pem, (privateKey.export({ type: 'pkcs1', format: 'pem' }) as string).trim());
  }
});

test('DER primitives', () => {
  assert.equal(int(0).toString('hex'), '020100');
  assert.equal(int(128).toString('hex'), '02020080');
  assert.equal(int(-1).toString('hex'), '0201ff');
  assert.equal(uintBytes(Buffer.from([0, 0, 0x80])).toString('hex'), '02020080');
  assert.equal(readUint(parseTop(uintBytes(Buffer.from([0x80, 1])))).toString('hex'), '8001');
  assert.equal(readSmallInt(parseTop(int(300))), 300);
  assert.equal(oid('1.2.840.113549.1.1.11').toString('hex'), '06092a864886f70d01010b');
  assert.equal(readOid(parseTop(oid('2.5.29.37.0'))), '2.5.29.37.0');
  // KeyUsage digitalSignature|keyEncipherment|keyAgreement: Go writes 03 02 03 a8
  assert.equal(namedBits(0b10101).toString('hex'), '030203a8');
  // certSign|crlSign → 03 02 01 06
  assert.equal(namedBits(0b1100000).toString('hex'), '03020106');
  const t2049 = Date.UTC(2049, 11, 31, 23, 59, 59);
  const t2050 = Date.UTC(2050, 0, 1);
  assert.equal(time(t2049)[0], 0x17);
  assert.equal(time(t2050)[0], 0x18);
  assert.equal(readTime(parseTop(time(t2049))), t2049);
  assert.equal(readTime(parseTop(time(t2050))), t2050);
});

test('names are built in Go order with Go string types, and read back', () => {
  const der = encodeName({ commonName: 'system:node:w1', organization: ['system:nodes', 'a&b'], country: ['DE'], serialNumber: 'sn-1', extra: [{ oid: '0.9.2342.19200300.100.1.1', value: 'jane' }] });
  const text = opensslOk(['asn1parse', '-inform', 'DER'], der);
  assert.match(text, /:countryName\n.*PRINTABLESTRING\s+:DE\n/);
  assert.match(text, /:organizationName\n.*PRINTABLESTRING\s+:system:nodes\n/);
  assert.match(text, /:organizationName\n.*UTF8STRING\s+:a&b\n/);
  assert.match(text, /:commonName\n.*PRINTABLESTRING\s+:system:node:w1\n/);
  const parsed = parseName(parseTop(der));
  // Values of one multi-valued RDN are a DER SET OF: sorted by their encodings (shorter first here).
  assert.deepEqual(parsed.attrs.map((a) => a.value), ['DE', 'a&b', 'system:nodes', 'system:node:w1', 'sn-1', 'jane']);
  assert.deepEqual(parsed.attrs.map((a) => a.oid), ['2.5.4.6', '2.5.4.10', '2.5.4.10', '2.5.4.3', '2.5.4.5', '0.9.2342.19200300.100.1.1']);
});

test('serials print as Vault prints them', async () => {
  const { serialToColon } = await import('../../../src/engines/pki/x509/parse.js');
  assert.equal(serialToColon(Buffer.from([0x0a, 0x01, 0xff])), '0a:01:ff');
  assert.equal(serialToColon(Buffer.from([0x7f])), '7f');
});

test('IP addresses round-trip in Go forms', () => {
  for (const [ip, out] of [['10.0.0.1', '10.0.0.1'], ['::1', '::1'], ['fd00::5', 'fd00::5'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['::ffff:10.1.2.3', '10.1.2.3']]) {
    assert.equal(formatIP(ipBytes(ip!)), out, ip);
  }
});

test('RFC3339Nano and TTL warnings look like Go', () => {
  assert.equal(rfc3339Nano(Date.UTC(2030, 0, 1)), '2030-01-01T00:00:00Z');
  assert.equal(rfc3339Nano(Date.UTC(2030, 0, 1, 0, 0, 0, 120)), '2030-01-01T00:00:00.12Z');
  const r = computeNotAfter({ now: 0, ttl: 3600 * 800, notAfter: '', roleTTL: 0, roleMaxTTL: 0, roleNotAfter: '', mountDefaultTTL: 3600, mountMaxTTL: 768 * 3600 });
  assert.deepEqual(r.warnings, ['TTL "800h0m0s" is longer than permitted maxTTL "768h0m0s", so maxTTL is being used']);
  assert.equal(r.notAfter, 768 * 3600 * 1000);
});

test('inline P-256 keys are valid keys in every encoding OpenSSL produces', async () => {
  const { generateInlineEcKey } = await import('../../../src/engines/pki/x509/key-encoding.js');
  const { keyIdOf } = await import('../../../src/engines/pki/x509/keys.js');
  const { createPrivateKey, createPublicKey, sign, verify } = await import('node:crypto');
  for (let i = 0; i < 20; i++) {
    const e = generateInlineEcKey(256, 'sec1');
    assert.ok(e.skid!.equals(keyIdOf(e.spki)), 'the key id computed from the point is the SPKI one');
    const k = createPrivateKey(e.pem);
    assert.ok(e.der.equals(k.export({ type: 'sec1', format: 'der' }) as Buffer));
    assert.ok(e.spki.equals(createPublicKey(k).export({ type: 'spki', format: 'der' })));
    const p8 = generateInlineEcKey(256, 'pkcs8');
    assert.ok(p8.der.equals(createPrivateKey(p8.pem).export({ type: 'pkcs8', format: 'der' }) as Buffer));
    const sig = sign('sha256', Buffer.from('x'), k);
    assert.ok(verify('sha256', Buffer.from('x'), createPublicKey({ key: e.spki, format: 'der', type: 'spki' }), sig));
  }
});
