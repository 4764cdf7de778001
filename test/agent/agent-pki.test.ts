/**
 * Seed 002's certificate flow on the agent: a per-cluster PKI mount, a role for etcd members,
 * a periodic token handed to the agent (token_file), one template that issues a certificate and
 * splits it into cert/key/CA files with writeToFile, and a restart command that runs when the
 * certificate changes. Also pkiCert, which reuses the certificate in its destination file.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { agentFromHCL, api, readOr, tempDir, waitFor, writePolicy } from './helpers.js';

let coffer: TestCoffer;
let agentToken: string;

before(async () => {
  coffer = await startCoffer();
  await api(coffer, 'POST', 'sys/mounts/c1/pki/etcd', { type: 'pki' });
  await api(coffer, 'POST', 'sys/mounts/c1/pki/etcd/tune', { max_lease_ttl: '87600h' });
  await api(coffer, 'POST', 'c1/pki/etcd/root/generate/internal', { common_name: 'c1/pki/etcd', ttl: '87600h' });
  await api(coffer, 'POST', 'c1/pki/etcd/roles/member', { allow_any_name: true, max_ttl: '720h' });
  await writePolicy(coffer, 'c1/pki/etcd/member', 'path "c1/pki/etcd/issue/member" { policy = "write" }');
  await api(coffer, 'POST', 'auth/token/roles/k8s-c1', { period: '720h', orphan: true, allowed_policies: 'c1/pki/etcd/member' });
  agentToken = (await api(coffer, 'POST', 'auth/token/create/k8s-c1', { policies: ['c1/pki/etcd/member'] })).auth.client_token;
});
after(async () => {
  await coffer.stop();
});

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber;
}

test('seed 002: issue, split into files with owner and mode, re-issue before a 30 s certificate expires and run the command each time', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'token'), agentToken);
  writeFileSync(join(dir, 'cert.template'), `{{ with secret "c1/pki/etcd/issue/member" "common_name=etcd-1.c1.example" "ttl=30s" }}{{ .Data.serial_number }}
{{ .Data.certificate | writeToFile "${dir}/certs/etcd-cert.pem" "" "" "0644" }}{{ .Data.private_key | writeToFile "${dir}/certs/etcd-key.pem" "" "" "0600" }}{{ .Data.issuing_ca | writeToFile "${dir}/certs/etcd-ca.pem" "" "" "0644" }}{{ end }}`);
  const hcl = `
auto_auth {
  method "token_file" {
    config = { token_file_path = "${dir}/token" }
  }
}
template_config {
  lease_renewal_threshold = 0.5
}
template {
  source      = "${dir}/cert.template"
  destination = "${dir}/certs/etcd.serial"
  command     = "cat ${dir}/certs/etcd.serial >> ${dir}/restarts"
}
`;
  const agent = agentFromHCL(hcl, join(dir, 'agent.hcl'), { VAULT_ADDR: coffer.addr });
  const running = agent.run();
  try {
    const first = await waitFor(() => readOr(join(dir, 'certs/etcd.serial')).trim(), 10_000, 'first certificate');
    const cert1 = readFileSync(join(dir, 'certs/etcd-cert.pem'), 'utf8');
    const x1 = new X509Certificate(cert1);
    assert.equal(x1.subject, 'CN=etcd-1.c1.example');
    assert.equal(serialOf(cert1).toLowerCase(), first.replace(/:/g, '').toLowerCase());
    assert.ok(x1.verify(new X509Certificate(readFileSync(join(dir, 'certs/etcd-ca.pem'), 'utf8')).publicKey));
    assert.equal(statSync(join(dir, 'certs/etcd-key.pem')).mode & 0o777, 0o600);
    const expiry = Date.parse(x1.validTo);
    // The certificate is replaced at about half its life (threshold 0.5), well before it expires.
    const second = await waitFor(() => {
      const s = readOr(join(dir, 'certs/etcd.serial')).trim();
      return s && s !== first ? s : '';
    }, 30_000, 'a re-issued certificate');
    assert.ok(Date.now() < expiry, 'replaced before the old certificate expired');
    const cert2 = readFileSync(join(dir, 'certs/etcd-cert.pem'), 'utf8');
    assert.notEqual(serialOf(cert2), serialOf(cert1));
    await waitFor(() => readOr(join(dir, 'restarts')) === `${first}\n${second}\n`, 5_000, 'the command after each certificate');
  } finally {
    agent.stop(0);
    await running;
  }
});

test('pkiCert keeps using the certificate in its destination until it is due for renewal', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'token'), agentToken);
  const hcl = `
exit_after_auth = true
auto_auth {
  method "token_file" {
    config = { token_file_path = "${dir}/token" }
  }
}
template {
  destination = "${dir}/bundle.pem"
  contents = "{{ with pkiCert \\"c1/pki/etcd/issue/member\\" \\"common_name=web.c1.example\\" \\"ttl=1h\\" }}{{ .Cert }}{{ .Key }}{{ .CA }}{{ end }}"
}
`;
  assert.equal(await agentFromHCL(hcl, join(dir, 'a.hcl'), { VAULT_ADDR: coffer.addr }).run(), 0);
  const first = readFileSync(join(dir, 'bundle.pem'), 'utf8');
  assert.match(first, /BEGIN CERTIFICATE[\s\S]*PRIVATE KEY[\s\S]*BEGIN CERTIFICATE/);
  // A second agent (a restart) finds the certificate still good and issues nothing new.
  assert.equal(await agentFromHCL(hcl, join(dir, 'b.hcl'), { VAULT_ADDR: coffer.addr }).run(), 0);
  assert.equal(readFileSync(join(dir, 'bundle.pem'), 'utf8'), first);
});
