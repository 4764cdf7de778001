/**
 * cert auth's required_extensions and allowed_metadata_extensions, with client certificates
 * that openssl gives custom extensions (UTF8String and IA5String values), over mutual TLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certExtensions, extensionStrings, hasRequiredExtensions } from '../../../src/auth/cert/extensions.js';
import { call, makeCerts, signClient, startTLSCoffer } from './fixture.js';

const clientWith = (dir: string, name: string, exts: string[]) => signClient(dir, name, { exts });

test('required_extensions: every oid:glob must match an extension of the client certificate', async () => {
  const c = await startTLSCoffer();
  try {
    const { port, file: f, admin, dir } = c;
    const ca = f('ca.crt');
    const tagged = clientWith(dir, 'tagged', ['1.2.3.45=ASN1:UTF8String:payments-prod', '1.2.3.46=ASN1:IA5String:eu-west-1', '1.2.3.47=ASN1:INTEGER:7']);
    assert.equal((await admin('/v1/sys/auth/cert', 'POST', { type: 'cert' })).status, 204);
    const role = (body: Record<string, unknown>) => admin('/v1/auth/cert/certs/svc', 'POST', { certificate: ca.toString(), ...body });
    const login = (cl: { cert: Buffer; key: Buffer }) => call(port, '/v1/auth/cert/login', { ca, ...cl, method: 'POST', body: { name: 'svc' } });
    const plain = { cert: f('client.crt'), key: f('client.key') };

    assert.equal((await role({ required_extensions: '1.2.3.45:payments-*,1.2.3.46:eu-*' })).status, 204);
    assert.deepEqual((await admin('/v1/auth/cert/certs/svc', 'GET')).body.data.required_extensions, ['1.2.3.45:payments-*', '1.2.3.46:eu-*']);
    let r = await login(tagged);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await login(plain);
    assert.equal(r.status, 400, 'a certificate without the extensions is refused');
    assert.deepEqual(r.body.errors, ['invalid certificate or no client certificate supplied']);

    await role({ required_extensions: ['1.2.3.45:payments-staging'] });
    assert.equal((await login(tagged)).status, 400, 'the value must match');
    await role({ required_extensions: ['1.2.3.99:*'] });
    assert.equal((await login(tagged)).status, 400, 'the extension must be present');
    await role({ required_extensions: ['1.2.3.47:*'] });
    assert.equal((await login(tagged)).status, 200, 'present with a non-string value: it reads as "", which * matches');
    await role({ required_extensions: ['1.2.3.47:7'] });
    assert.equal((await login(tagged)).status, 400);

    await role({ required_extensions: [], allowed_metadata_extensions: '1.2.3.45,1.2.3.46,1.2.3.99' });
    r = await login(tagged);
    assert.equal(r.status, 200);
    assert.equal(r.body.auth.metadata['1-2-3-45'], 'payments-prod');
    assert.equal(r.body.auth.metadata['1-2-3-46'], 'eu-west-1');
    assert.equal('1-2-3-99' in r.body.auth.metadata, false, 'only extensions the certificate has');
    assert.equal(r.body.auth.metadata.cert_name, 'svc');
  } finally {
    await c.running.stop();
  }
});

test('a rule is "oid:glob": without the colon it never matches, an empty glob matches only ""', () => {
  assert.equal(hasRequiredExtensions([], new Map()), true);
  assert.equal(hasRequiredExtensions(['1.2.3'], new Map([['1.2.3', '']])), false);
  assert.equal(hasRequiredExtensions(['1.2.3:'], new Map([['1.2.3', '']])), true);
  assert.equal(hasRequiredExtensions(['1.2.3:'], new Map([['1.2.3', 'x']])), false);
  assert.equal(hasRequiredExtensions(['1.2.3:a:b*'], new Map([['1.2.3', 'a:bc']])), true, 'only the first colon splits');
});

test('extensionStrings: string values of any ASN.1 string type, "" for other types, standard extensions included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-cert-ext-'));
  makeCerts(dir);
  const { cert } = clientWith(dir, 'bmp', ['1.2.3.48=ASN1:BMPString:team-ops', '1.2.3.49=ASN1:PRINTABLESTRING:Ops Team', 'subjectAltName=DNS:bmp.example.com']);
  const exts = extensionStrings(certExtensions(new X509Certificate(cert).raw));
  assert.equal(exts.get('1.2.3.48'), 'team-ops');
  assert.equal(exts.get('1.2.3.49'), 'Ops Team');
  assert.equal(exts.get('2.5.29.17'), '', 'a SEQUENCE value reads as ""');
});
