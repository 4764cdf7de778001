/**
 * Seed 000, verbatim: an offline root made with cfssl, an intermediate whose key never leaves
 * Coffer, signed by cfssl from Coffer's CSR and imported with intermediate/set-signed; leaves
 * then verify against the offline root. Needs cfssl (Debian package golang-cfssl).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, newPki, opensslOk, openssl, TempDir } from './helpers.js';

// CI installs the tool (.ci/run), so there a missing tool fails the test instead of skipping it.
const skip = process.env.CI ? false : hasCommand('cfssl') && hasCommand('cfssljson') ? false : 'cfssl/cfssljson not installed (apt-get install golang-cfssl)';

function sh(dir: string, script: string): void {
  execFileSync('sh', ['-c', script], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

test('offline root with cfssl, intermediate in Coffer, leaves verify against the offline root', { skip }, async () => {
  const dir = new TempDir();
  try {
    dir.file('ca-csr.json', JSON.stringify({
      CN: 'Kubernetes CA', key: { algo: 'rsa', size: 4096 }, ca: { expiry: '87600h' },
      names: [{ C: 'DE', L: 'Wesel', O: 'Kubernetes', OU: 'CA', ST: 'NW' }],
    }));
    sh(dir.path, 'cfssl gencert -initca ca-csr.json | cfssljson -bare ca');

    // vault secrets enable pki; vault secrets tune -max-lease-ttl=8760h pki
    const pki = await newPki({ maxLeaseTTL: 8760 * 3600 });
    const gen = await pki.call('update', 'intermediate/generate/internal', {
      common_name: 'Kubernetes Intermediate Authority', key_type: 'rsa', key_bits: 4096, ttl: '43800h',
    });
    assert.ok(gen!.warnings!.includes('TTL "43800h0m0s" is longer than permitted maxTTL "8760h0m0s", so maxTTL is being used'));
    dir.file('intermediate.csr', `${gen!.data!.csr}\n`);
    dir.file('intermediate.json', JSON.stringify({
      signing: { default: { usages: ['digital signature', 'cert sign', 'crl sign', 'signing'], expiry: '43800h', ca_constraint: { is_ca: true } } },
    }));
    sh(dir.path, 'cfssl sign -ca ca.pem -ca-key ca-key.pem -config intermediate.json intermediate.csr | cfssljson -bare intermediate_ca');
    const intermediate = readFileSync(join(dir.path, 'intermediate_ca.pem'), 'utf8');
    const offlineRoot = readFileSync(join(dir.path, 'ca.pem'), 'utf8');

    // vault write pki/intermediate/set-signed certificate=@intermediate_ca.pem
    const set = await pki.ok('update', 'intermediate/set-signed', { certificate: intermediate });
    assert.equal(set.imported_issuers.length, 1);
    const intId = set.imported_issuers[0];
    assert.equal(set.mapping[intId], gen!.data!.key_id, 'the imported certificate is matched to the key Coffer generated');
    assert.equal((await pki.ok('read', 'config/issuers')).default, intId);
    assert.equal(gen!.data!.private_key, undefined, 'the intermediate key never left Coffer');

    await pki.ok('update', 'roles/kube-apiserver', { allowed_domains: 'kubernetes.default.svc,kubernetes.default.svc.cluster.local', allow_bare_domains: true, key_type: 'ec', max_ttl: '720h' });
    const leaf = await pki.ok('update', 'issue/kube-apiserver', { common_name: 'kubernetes.default.svc', alt_names: 'kubernetes.default.svc.cluster.local', ip_sans: '10.96.0.1', ttl: '720h' });
    assert.deepEqual(leaf.ca_chain, [intermediate.trim()]);
    const rootFile = join(dir.path, 'ca.pem');
    const intFile = join(dir.path, 'intermediate_ca.pem');
    const leafFile = dir.file('leaf.pem', `${leaf.certificate}\n`);
    assert.match(opensslOk(['verify', '-CAfile', rootFile, '-untrusted', intFile, leafFile]), /leaf\.pem: OK/);
    assert.notEqual(openssl(['verify', '-CAfile', intFile, leafFile]).status, 0);

    // The root may be added to the mount afterwards (keyless), completing ca_chain.
    const withRoot = await pki.ok('update', 'intermediate/set-signed', { certificate: `${intermediate}\n${offlineRoot}` });
    assert.deepEqual(withRoot.existing_issuers, [intId]);
    assert.equal(withRoot.imported_issuers.length, 1);
    assert.equal(withRoot.mapping[withRoot.imported_issuers[0]], '', 'the offline root has no key here');
    assert.equal((await pki.ok('read', 'config/issuers')).default, intId);
    const leaf2 = await pki.ok('update', 'issue/kube-apiserver', { common_name: 'kubernetes.default.svc' });
    assert.deepEqual(leaf2.ca_chain, [intermediate.trim(), offlineRoot.trim()]);
    const chainFile = dir.file('chain.pem', `${leaf2.ca_chain.join('\n')}\n`);
    assert.match(opensslOk(['verify', '-CAfile', rootFile, '-untrusted', chainFile, dir.file('leaf2.pem', `${leaf2.certificate}\n`)]), /OK/);
    const capped = await pki.call('update', 'issue/kube-apiserver', { common_name: 'kubernetes.default.svc', ttl: '8000h' });
    assert.deepEqual(capped!.warnings, ['TTL "8000h0m0s" is longer than permitted maxTTL "720h0m0s", so maxTTL is being used']);
  } finally {
    dir.cleanup();
  }
});
