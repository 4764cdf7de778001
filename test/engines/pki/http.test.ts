/**
 * The engine inside a real Coffer: per-cluster mounts and policies as in seed 002, leases of
 * certificates revoked through sys/leases, and identity-templated roles for people.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startCoffer, type TestCoffer } from '../../support/server.js';

async function ok(c: TestCoffer, method: string, path: string, body?: unknown, token?: string) {
  const r = await c.api(method, path, body, token);
  assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

test('seed 002: per-cluster CAs, component roles, a policy per component, a periodic orphan token role', async () => {
  const c = await startCoffer();
  try {
    for (const component of ['etcd', 'k8s']) {
      await ok(c, 'POST', `sys/mounts/c1/pki/${component}`, { type: 'pki' });
      await ok(c, 'POST', `sys/mounts/c1/pki/${component}/tune`, { max_lease_ttl: '87600h' });
      const root = await ok(c, 'POST', `c1/pki/${component}/root/generate/internal`, { common_name: `c1/pki/${component}`, ttl: '87600h' });
      assert.equal(new X509Certificate(root.data.certificate).subject, `CN=c1/pki/${component}`);
    }
    await ok(c, 'POST', 'c1/pki/etcd/roles/member', { allow_any_name: true, max_ttl: '720h' });
    await ok(c, 'POST', 'c1/pki/k8s/roles/kubelet', { allowed_domains: 'kubelet', allow_bare_domains: true, allow_subdomains: false, max_ttl: '720h' });
    await ok(c, 'PUT', 'sys/policies/acl/c1/pki/etcd/member', { policy: 'path "c1/pki/etcd/issue/member" { policy = "write" }' });
    await ok(c, 'POST', 'auth/token/roles/k8s-c1', { period: '720h', orphan: true, allowed_policies: 'c1/pki/etcd/member' });
    const tok = await ok(c, 'POST', 'auth/token/create/k8s-c1', { policies: ['c1/pki/etcd/member'] });
    const t = tok.auth.client_token as string;
    assert.equal(tok.auth.orphan, true);
    const member = await ok(c, 'POST', 'c1/pki/etcd/issue/member', { common_name: 'etcd-0.example.com' }, t);
    assert.ok(Math.abs(member.data.expiration - (Date.now() / 1000 + 720 * 3600)) < 60, 'role max_ttl caps the mount default');
    assert.equal((await c.api('POST', 'c1/pki/k8s/issue/kubelet', { common_name: 'kubelet' }, t)).status, 403);
    assert.equal((await c.api('POST', 'c1/pki/etcd/roles/member', { allow_any_name: true }, t)).status, 403);
    await ok(c, 'POST', 'c1/pki/k8s/issue/kubelet', { common_name: 'kubelet' });
    const bad = await c.api('POST', 'c1/pki/k8s/issue/kubelet', { common_name: 'kube-proxy' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, ['common name kube-proxy not allowed by this role']);
    // Each cluster's CAs are separate trust domains.
    const etcdCA = new X509Certificate((await c.api('GET', 'c1/pki/etcd/ca/pem', undefined, '')).body);
    const k8sCA = new X509Certificate((await c.api('GET', 'c1/pki/k8s/ca/pem', undefined, '')).body);
    assert.ok(new X509Certificate(member.data.certificate).verify(etcdCA.publicKey));
    assert.ok(!new X509Certificate(member.data.certificate).verify(k8sCA.publicKey));
  } finally {
    await c.stop();
  }
});

test('a leased certificate is revoked when its lease is revoked', async () => {
  const c = await startCoffer();
  try {
    await ok(c, 'POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    await ok(c, 'POST', 'pki/root/generate/internal', { common_name: 'Root', ttl: '8760h', key_type: 'ec' });
    await ok(c, 'POST', 'pki/roles/leased', { allow_any_name: true, key_type: 'ec', generate_lease: true });
    const r = await ok(c, 'POST', 'pki/issue/leased', { common_name: 'a', ttl: '1h' });
    assert.match(r.lease_id, /^pki\/issue\/leased\//);
    assert.equal(r.renewable, false);
    assert.ok(r.lease_duration > 3500 && r.lease_duration <= 3600);
    assert.equal((await ok(c, 'GET', `pki/cert/${r.data.serial_number}`)).data.revocation_time, 0);
    await ok(c, 'PUT', 'sys/leases/revoke', { lease_id: r.lease_id });
    let revoked = 0;
    for (let i = 0; i < 50 && !revoked; i++) {
      revoked = (await ok(c, 'GET', `pki/cert/${r.data.serial_number}`)).data.revocation_time;
      if (!revoked) await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(revoked > 0, 'revoking the lease revoked the certificate');
  } finally {
    await c.stop();
  }
});

test('allowed_domains_template: a person gets a certificate for their own name only', async () => {
  const c = await startCoffer();
  try {
    await ok(c, 'POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '87600h' } });
    await ok(c, 'POST', 'pki/root/generate/internal', { common_name: 'Root', ttl: '8760h', key_type: 'ec' });
    await ok(c, 'POST', 'sys/auth/userpass', { type: 'userpass' });
    const accessor = (await ok(c, 'GET', 'sys/auth')).data['userpass/'].accessor as string;
    await ok(c, 'POST', 'pki/roles/users', {
      allowed_domains: `{{identity.entity.aliases.${accessor}.name}}.users.example.com`, allowed_domains_template: true,
      allow_bare_domains: true, key_type: 'ec', max_ttl: '2h',
    });
    await ok(c, 'PUT', 'sys/policies/acl/users', { policy: 'path "pki/issue/users" { capabilities = ["update"] }' });
    for (const u of ['jane', 'bob']) await ok(c, 'POST', `auth/userpass/users/${u}`, { password: `${u}-pw-123`, policies: 'users' });
    const jane = (await ok(c, 'POST', 'auth/userpass/login/jane', { password: 'jane-pw-123' })).auth.client_token as string;
    const cert = await ok(c, 'POST', 'pki/issue/users', { common_name: 'jane.users.example.com', ttl: '1h' }, jane);
    assert.match(new X509Certificate(cert.data.certificate).subject, /CN=jane\.users\.example\.com/);
    const other = await c.api('POST', 'pki/issue/users', { common_name: 'bob.users.example.com' }, jane);
    assert.equal(other.status, 400);
    assert.deepEqual(other.body.errors, ['common name bob.users.example.com not allowed by this role']);
    // The root token has no entity: the template yields nothing, so nothing matches.
    assert.equal((await c.api('POST', 'pki/issue/users', { common_name: 'jane.users.example.com' })).status, 400);
  } finally {
    await c.stop();
  }
});
