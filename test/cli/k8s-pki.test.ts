/**
 * `coffer k8s pki init|issue-node` and `coffer k8s kubeconfig` against a real Coffer, with the
 * results checked by openssl, node:tls and kubectl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import YAML from 'yaml';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { out += c; });
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

async function api(c: TestCoffer, method: string, path: string, body?: unknown, token?: string) {
  const r = await c.api(method, path, body, token);
  assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

function files(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix)).flatMap((f) => (statSync(join(dir, prefix, f)).isDirectory() ? files(dir, join(prefix, f)) : [join(prefix, f)])).sort();
}

test('init: dry run, apply, then nothing left to do', async () => {
  const c = await startCoffer();
  try {
    const env = cliEnv(c);
    const dry = await runCLI(['k8s', 'pki', 'init', '-cluster=c1', '-user-groups=dev,ops', '-key-type=ec', '-dry-run'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Plan for cluster c1 \(dry run, nothing was changed\):/);
    assert.match(dry.stdout, /\+ enable the pki secrets engine at c1\/pki\/etcd\//);
    assert.match(dry.stdout, /\+ create token role k8s-c1-worker/);
    assert.match(dry.stdout, /\+ create Coffer group dev with policy c1\/k8s-user-dev/);
    const changes = Number(/(\d+) changes\./.exec(dry.stdout)![1]);
    // 3 mounts, 3 CAs, 12 roles and 12 policies, the service-account key, 3 token roles, and a role, policy and group per user group.
    assert.equal(changes, 40);
    assert.equal((await c.api('GET', 'sys/mounts')).body.data['c1/pki/etcd/'], undefined, 'the dry run changed nothing');

    const first = await runCLI(['k8s', 'pki', 'init', '-cluster=c1', '-user-groups=dev,ops', '-key-type=ec'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`Success! ${changes} changes applied to cluster c1\\.`));
    const again = await runCLI(['k8s', 'pki', 'init', '-cluster=c1', '-user-groups=dev,ops', '-key-type=ec'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'No changes: cluster c1 is up to date.\n');

    const mounts = (await api(c, 'GET', 'sys/mounts')).data;
    for (const ca of ['etcd', 'k8s', 'front-proxy']) {
      assert.equal(mounts[`c1/pki/${ca}/`].type, 'pki');
      assert.equal(mounts[`c1/pki/${ca}/`].config.max_lease_ttl, 87600 * 3600);
      const ca_ = new X509Certificate((await c.api('GET', `c1/pki/${ca}/ca/pem`, undefined, '')).body);
      assert.equal(ca_.subject, `CN=c1/pki/${ca}`);
      assert.ok(ca_.ca);
    }
    const kubelet = (await api(c, 'GET', 'c1/pki/k8s/roles/kubelet')).data;
    assert.deepEqual(kubelet.organization, ['system:nodes']);
    assert.equal(kubelet.server_flag, true);
    assert.equal(kubelet.client_flag, true);
    const cm = (await api(c, 'GET', 'c1/pki/k8s/roles/kube-controller-manager')).data;
    assert.deepEqual(cm.allowed_domains, ['system:kube-controller-manager']);
    assert.equal(cm.server_flag, false);
    const worker = (await api(c, 'GET', 'auth/token/roles/k8s-c1-worker')).data;
    assert.deepEqual(worker.allowed_policies, ['c1/pki/k8s/kube-proxy', 'c1/pki/k8s/kubelet']);
    assert.equal(worker.orphan, true);
    assert.equal(worker.period, 720 * 3600);
    const apiPolicy = (await api(c, 'GET', 'sys/policies/acl/c1/pki/k8s/kube-apiserver')).data.policy as string;
    assert.match(apiPolicy, /path "c1\/pki\/k8s\/issue\/kube-apiserver"/);
    assert.match(apiPolicy, /path "secret\/data\/c1\/k8s\/token"/);
    const sa = (await api(c, 'GET', 'secret/data/c1/k8s/token')).data.data;
    assert.match(sa.key, /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(sa.public_key, /^-----BEGIN PUBLIC KEY-----/);
    assert.deepEqual((await api(c, 'GET', 'identity/group/name/dev')).data.policies, ['c1/k8s-user-dev']);

    // A changed role is put back; an unrelated change elsewhere is left alone.
    await api(c, 'POST', 'c1/pki/k8s/roles/admin', { allow_any_name: true });
    const repair = await runCLI(['k8s', 'pki', 'init', '-cluster=c1', '-user-groups=dev,ops', '-key-type=ec'], { env });
    assert.match(repair.stdout, /\+ update role c1\/pki\/k8s\/roles\/admin\nSuccess! 1 change applied/);
    assert.equal((await runCLI(['k8s', 'pki', 'init', '-cluster=bad/id'], { env })).code, 1);
  } finally {
    await c.stop();
  }
});

test('issue-node writes the kubeadm layout; a worker token gets worker certificates only', async () => {
  const c = await startCoffer();
  const out = mkdtempSync(join(tmpdir(), 'coffer-k8s-node-'));
  try {
    const env = cliEnv(c);
    assert.equal((await runCLI(['k8s', 'pki', 'init', '-cluster=c1', '-key-type=ec'], { env })).code, 0);
    const cpRole = (await api(c, 'GET', 'auth/token/roles/k8s-c1-control-plane')).data;
    const cpToken = (await api(c, 'POST', 'auth/token/create/k8s-c1-control-plane', { policies: cpRole.allowed_policies })).auth.client_token;
    const r = await runCLI(['k8s', 'pki', 'issue-node', '-cluster=c1', '-node=cp-1', '-ip=10.0.0.11', `-out=${out}`], { env: { ...env, VAULT_TOKEN: cpToken } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(files(out), [
      'admin.crt', 'admin.key', 'apiserver-etcd-client.crt', 'apiserver-etcd-client.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key',
      'apiserver.crt', 'apiserver.key', 'ca.crt', 'controller-manager.crt', 'controller-manager.key',
      'etcd/ca.crt', 'etcd/healthcheck-client.crt', 'etcd/healthcheck-client.key', 'etcd/peer.crt', 'etcd/peer.key', 'etcd/server.crt', 'etcd/server.key',
      'front-proxy-ca.crt', 'front-proxy-client.crt', 'front-proxy-client.key', 'kube-proxy.crt', 'kube-proxy.key',
      'kubelet/kubelet-client-current.pem', 'kubelet/kubelet.crt', 'kubelet/kubelet.key', 'sa.key', 'sa.pub', 'scheduler.crt', 'scheduler.key',
    ]);
    assert.equal(statSync(join(out, 'apiserver.key')).mode & 0o777, 0o600);
    const verify = async (ca: string, cert: string) => {
      const v = await run('openssl', ['verify', '-CAfile', join(out, ca), join(out, cert)]);
      assert.equal(v.code, 0, `${cert}: ${v.out}`);
    };
    for (const f of ['apiserver.crt', 'apiserver-kubelet-client.crt', 'admin.crt', 'kubelet/kubelet.crt', 'controller-manager.crt']) await verify('ca.crt', f);
    for (const f of ['etcd/server.crt', 'etcd/peer.crt', 'apiserver-etcd-client.crt', 'etcd/healthcheck-client.crt']) await verify('etcd/ca.crt', f);
    await verify('front-proxy-ca.crt', 'front-proxy-client.crt');
    const cert = (f: string) => new X509Certificate(readFileSync(join(out, f)));
    const apiserver = cert('apiserver.crt');
    assert.equal(apiserver.subject, 'CN=kube-apiserver');
    for (const san of ['DNS:cp-1', 'DNS:kubernetes', 'DNS:kubernetes.default.svc.cluster.local', 'IP Address:10.96.0.1', 'IP Address:10.0.0.11']) assert.ok(apiserver.subjectAltName!.includes(san), san);
    assert.deepEqual(apiserver.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(cert('kubelet/kubelet.crt').subject, 'O=system:nodes\nCN=system:node:cp-1');
    assert.equal(cert('admin.crt').subject, 'O=system:masters\nCN=kubernetes-admin');
    assert.equal(cert('apiserver-kubelet-client.crt').subject, 'O=system:masters\nCN=kube-apiserver-kubelet-client');
    assert.equal(cert('controller-manager.crt').subject, 'CN=system:kube-controller-manager');
    assert.equal(cert('kube-proxy.crt').subject, 'CN=system:kube-proxy');
    assert.match(cert('etcd/server.crt').subjectAltName!, /DNS:cp-1, DNS:localhost, IP Address:10\.0\.0\.11, IP Address:127\.0\.0\.1/);
    const pem = readFileSync(join(out, 'kubelet/kubelet-client-current.pem'), 'utf8');
    assert.match(pem, /BEGIN CERTIFICATE[\s\S]+BEGIN EC PRIVATE KEY/);
    assert.match(readFileSync(join(out, 'sa.key'), 'utf8'), /BEGIN RSA PRIVATE KEY/);

    const wRole = (await api(c, 'GET', 'auth/token/roles/k8s-c1-worker')).data;
    const wToken = (await api(c, 'POST', 'auth/token/create/k8s-c1-worker', { policies: wRole.allowed_policies })).auth.client_token;
    const denied = await runCLI(['k8s', 'pki', 'issue-node', '-cluster=c1', '-node=w-1', `-out=${out}/w-denied`], { env: { ...env, VAULT_TOKEN: wToken } });
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /Error issuing apiserver\.crt[\s\S]*Code: 403/);
    const wOut = join(out, 'w-1');
    const ok = await runCLI(['k8s', 'pki', 'issue-node', '-cluster=c1', '-class=worker', '-node=w-1', '-ip=10.0.0.21', `-out=${wOut}`], { env: { ...env, VAULT_TOKEN: wToken } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(files(wOut), ['ca.crt', 'kube-proxy.crt', 'kube-proxy.key', 'kubelet/kubelet-client-current.pem', 'kubelet/kubelet.crt', 'kubelet/kubelet.key']);
  } finally {
    await c.stop();
  }
});

test('kubeconfig: CN is the identity, O its group; kubectl uses it; leaving the group ends access', async () => {
  const c = await startCoffer();
  const dir = mkdtempSync(join(tmpdir(), 'coffer-k8s-kc-'));
  let server: ReturnType<typeof createServer> | undefined;
  try {
    const env = cliEnv(c);
    assert.equal((await runCLI(['k8s', 'pki', 'init', '-cluster=c1', '-key-type=ec', '-user-groups=dev,ops'], { env })).code, 0);
    await api(c, 'POST', 'sys/auth/userpass', { type: 'userpass' });
    await api(c, 'POST', 'auth/userpass/users/jane', { password: 'jane-secret-pw' });
    const login = await api(c, 'POST', 'auth/userpass/login/jane', { password: 'jane-secret-pw' });
    const entityId = login.auth.entity_id as string;
    await api(c, 'POST', `identity/entity/id/${entityId}`, { name: 'jane' });
    await api(c, 'POST', 'identity/group/name/dev', { member_entity_ids: [entityId] });

    // The API server stand-in: TLS from the cluster's k8s CA, client certificates required.
    const srv = await api(c, 'POST', 'c1/pki/k8s/issue/kube-apiserver', { common_name: 'kube-apiserver', alt_names: 'localhost', ip_sans: '127.0.0.1' });
    const caPem = (await c.api('GET', 'c1/pki/k8s/ca/pem', undefined, '')).body as string;
    server = createServer({ key: srv.data.private_key, cert: srv.data.certificate, ca: caPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      const org = peer.subject.O;
      const groups = Array.isArray(org) ? org : org ? [org] : [];
      if (req.method === 'POST' && req.url?.startsWith('/apis/authentication.k8s.io/v1/selfsubjectreviews')) {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: {}, status: { userInfo: { username: peer.subject.CN, groups } } }));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const file = join(dir, 'jane.conf');
    const kc = await runCLI(['k8s', 'kubeconfig', '-cluster=c1', `-server=${url}`, '-ttl=2h', `-out=${file}`, '-method=userpass', 'username=jane', 'password=jane-secret-pw'], { env: { ...env, VAULT_TOKEN: '' } });
    assert.equal(kc.code, 0, kc.stderr);
    assert.match(kc.stderr, /Wrote .*jane\.conf: jane \(O=dev\) in cluster c1, valid until/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const conf = YAML.parse(readFileSync(file, 'utf8'));
    assert.equal(conf['current-context'], 'jane@c1');
    const cert = new X509Certificate(Buffer.from(conf.users[0].user['client-certificate-data'], 'base64'));
    assert.equal(cert.subject, 'O=dev\nCN=jane');
    assert.ok(Math.abs(Date.parse(cert.validTo) - (Date.now() + 2 * 3600e3)) < 120_000, 'two hours');

    const who = await run('kubectl', ['--kubeconfig', file, 'auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.out);
    assert.deepEqual(JSON.parse(who.out).status.userInfo, { username: 'jane', groups: ['dev'] });

    // Out of the team: no new certificate.
    await api(c, 'POST', 'identity/group/name/dev', { member_entity_ids: [] });
    const after = await runCLI(['k8s', 'kubeconfig', '-cluster=c1', `-server=${url}`, '-method=userpass', 'username=jane', 'password=jane-secret-pw'], { env: { ...env, VAULT_TOKEN: '' } });
    assert.equal(after.code, 2);
    assert.match(after.stderr, /none of jane's Coffer groups grants a Kubernetes group in cluster c1/);
    const forced = await runCLI(['k8s', 'kubeconfig', '-cluster=c1', `-server=${url}`, '-group=dev', '-method=userpass', 'username=jane', 'password=jane-secret-pw'], { env: { ...env, VAULT_TOKEN: '' } });
    assert.equal(forced.code, 2);
    assert.match(forced.stderr, /Code: 403/);
    writeFileSync(join(dir, 'done'), '');
  } finally {
    server?.close();
    await c.stop();
  }
});
