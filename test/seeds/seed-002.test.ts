/**
 * Seed 002, "Using Vault as a Certificate Authority for Kubernetes" (DigitalOcean), replayed in the
 * article's order with its 2016 command names (`mount`, `mount-tune`, `policy-write`,
 * `token-create`): two root CAs per cluster, CN-limited roles, the service-account key in the
 * generic secret backend, per-component policies in the legacy `policy = "write"` form, a periodic
 * orphan token role, node tokens from it, and each node's agent rendering its etcd certificate
 * into three files and "restarting etcd" — then the certificates doing what the etcd flags ask:
 * mutual TLS where only certificates from the cluster's etcd CA get in.
 * consul-template itself is not on this machine; `coffer agent` runs the same template config
 * (docs/seeds.md says what differs).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { seedShell, type SeedShell } from './shell.js';

let coffer: TestCoffer;
let sh: SeedShell;
const CLUSTER_ID = 'nyc3-k8s-1';
const tokens: Record<string, string> = {};

before(async () => {
  // 2016's Vault mounted the generic backend (KV version 1) at secret/.
  coffer = await startCoffer({ kvVersion: '1' });
  sh = seedShell({ coffer, env: { CLUSTER_ID } });
});
after(async () => { await coffer.stop(); });

test('creating the CAs: a pki mount and a root per component', async () => {
  // The article's bootstrap line, run for both of its components.
  const r = await sh.run(`for COMPONENT in etcd k8s; do
vault_out=$(coffer mount -path $CLUSTER_ID/pki/$COMPONENT pki 2>&1) && echo "$vault_out"
coffer mount-tune -max-lease-ttl=87600h $CLUSTER_ID/pki/etcd
coffer write -format=json $CLUSTER_ID/pki/$COMPONENT/root/generate/internal \\
    common_name=$CLUSTER_ID/pki/$COMPONENT ttl=87600h > root-$COMPONENT.json
done`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    `WARNING! "coffer mount" is deprecated; use "coffer secrets enable" instead.`, '', `Success! Enabled the pki secrets engine at: ${CLUSTER_ID}/pki/etcd/`,
    `Success! Tuned the secrets engine at: ${CLUSTER_ID}/pki/etcd/`,
    `WARNING! "coffer mount" is deprecated; use "coffer secrets enable" instead.`, '', `Success! Enabled the pki secrets engine at: ${CLUSTER_ID}/pki/k8s/`,
    `Success! Tuned the secrets engine at: ${CLUSTER_ID}/pki/etcd/`, '',
  ].join('\n'));

  const etcd = JSON.parse(readFileSync(join(sh.dir, 'root-etcd.json'), 'utf8'));
  const etcdRoot = new X509Certificate(etcd.data.certificate);
  assert.equal(etcdRoot.subject, `CN=${CLUSTER_ID}/pki/etcd`);
  assert.ok(etcdRoot.ca);
  assert.equal(Math.round((Date.parse(etcdRoot.validTo) - Date.now()) / 86400_000), 3650, 'a 10 year root');
  // The article tunes only etcd, so the k8s root is held to the mount's default maximum (768h),
  // with the warning Vault gives. Tune each component's mount for a 10 year root there too.
  const k8s = JSON.parse(readFileSync(join(sh.dir, 'root-k8s.json'), 'utf8'));
  assert.ok(k8s.warnings.includes('TTL "87600h0m0s" is longer than permitted maxTTL "768h0m0s", so maxTTL is being used'), k8s.warnings.join('\n'));
  assert.equal(Math.round((Date.parse(new X509Certificate(k8s.data.certificate).validTo) - Date.now()) / 3600_000), 768);
  await sh.ok(`coffer mount-tune -max-lease-ttl=87600h $CLUSTER_ID/pki/k8s 2>/dev/null
coffer delete $CLUSTER_ID/pki/k8s/root >/dev/null 2>&1
coffer write -field=certificate $CLUSTER_ID/pki/k8s/root/generate/internal common_name=$CLUSTER_ID/pki/k8s ttl=87600h > k8s-ca.pem`);
  assert.equal(Math.round((Date.parse(new X509Certificate(readFileSync(join(sh.dir, 'k8s-ca.pem'))).validTo) - Date.now()) / 86400_000), 3650);
});

test('roles: any CN for etcd members, exactly "kubelet" (and each component) on the Kubernetes CA', async () => {
  await sh.ok(`coffer write $CLUSTER_ID/pki/etcd/roles/member \\
        allow_any_name=true \\
        max_ttl="720h"
coffer write $CLUSTER_ID/pki/k8s/roles/kubelet \\
        allowed_domains="kubelet" \\
        allow_bare_domains=true \\
        allow_subdomains=false \\
        max_ttl="720h"`);
  // "roles that are limited to individual CNs, such as kube-proxy or kube-scheduler", and the
  // kube-apiserver role its policy below names.
  for (const cn of ['kube-proxy', 'kube-scheduler', 'kube-apiserver']) {
    await sh.ok(`coffer write $CLUSTER_ID/pki/k8s/roles/${cn} allowed_domains="${cn}" allow_bare_domains=true allow_subdomains=false max_ttl="720h"`);
  }
  const cases: [string, string, number, RegExp?][] = [
    ['etcd/issue/member', 'common_name=etcd-1.nyc3.example.com', 0],
    ['etcd/issue/member', 'common_name=kube-apiserver', 0],
    // allow_any_name leaves enforce_hostnames on, as in Vault.
    ['etcd/issue/member', 'common_name="anything at all"', 2, /common name anything at all not allowed by this role/],
    ['k8s/issue/kubelet', 'common_name=kubelet', 0],
    ['k8s/issue/kubelet', 'common_name=node-1.kubelet', 2, /common name node-1\.kubelet not allowed by this role/],
    ['k8s/issue/kubelet', 'common_name=kube-proxy', 2, /common name kube-proxy not allowed by this role/],
    ['k8s/issue/kube-scheduler', 'common_name=kube-scheduler', 0],
  ];
  for (const [path, args, code, err] of cases) {
    const r = await sh.run(`coffer write -format=json $CLUSTER_ID/pki/${path} ${args}`);
    assert.equal(r.code, code, `${path} ${args}: ${r.stderr}`);
    if (err) assert.match(r.stderr, err);
    else assert.match(JSON.parse(r.stdout).data.certificate, /^-----BEGIN CERTIFICATE-----/);
  }
  const r = await sh.run('coffer write -format=json $CLUSTER_ID/pki/etcd/issue/member common_name=etcd-1 ttl=8760h');
  assert.deepEqual(JSON.parse(r.stdout).warnings, ['TTL "8760h0m0s" is longer than permitted maxTTL "720h0m0s", so maxTTL is being used'], 'a 30 day cert at most');
});

test('the service-account signing key in the generic backend', async () => {
  const out = await sh.ok(`openssl genrsa 4096 > token-key
coffer write secret/$CLUSTER_ID/k8s/token key=@token-key
rm token-key`);
  assert.equal(out, `Success! Data written to: secret/${CLUSTER_ID}/k8s/token\n`);
  assert.match(await sh.ok('coffer read -field=key secret/$CLUSTER_ID/k8s/token'), /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(existsSync(join(sh.dir, 'token-key')), false);
});

test('policies per component, in the legacy policy = "write" form, through policy-write from stdin', async () => {
  let r = await sh.run(`cat <<EOT | coffer policy-write $CLUSTER_ID/pki/etcd/member -
    path "$CLUSTER_ID/pki/etcd/issue/member" {
      policy = "write"
    }
EOT`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Success! Uploaded policy: ${CLUSTER_ID}/pki/etcd/member\n`);
  assert.equal(r.stderr, `WARNING! "coffer policy-write" is deprecated; use "coffer policy write" instead.\n\n`);
  r = await sh.run(`cat <<EOT | coffer policy-write $CLUSTER_ID/pki/k8s/kube-apiserver -
    path "$CLUSTER_ID/pki/k8s/issue/kube-apiserver" {
      policy = "write"
    }
    path "secret/$CLUSTER_ID/k8s/token" {
      policy = "read"
    }
EOT`);
  assert.equal(r.code, 0, r.stderr);
  const list = await sh.ok('coffer policy list');
  for (const p of ['default', `${CLUSTER_ID}/pki/etcd/member`, `${CLUSTER_ID}/pki/k8s/kube-apiserver`, 'root']) assert.match(list, new RegExp(`^${p}$`, 'm'));
});

test('the periodic orphan token role, and node tokens built from it', async () => {
  let r = await sh.run(`coffer write auth/token/roles/k8s-$CLUSTER_ID \\
    period="720h" \\
    orphan=true \\
    allowed_policies="$CLUSTER_ID/pki/etcd/member,$CLUSTER_ID/pki/k8s/kube-apiserver"`);
  assert.deepEqual([r.code, r.stdout], [0, `Success! Data written to: auth/token/roles/k8s-${CLUSTER_ID}\n`], r.stderr);

  // The article's -role="k8s-$CLUSTER" names a variable it never sets; an empty one names no role.
  r = await sh.run('coffer token-create -policy="$CLUSTER_ID/pki/etcd/member" -role="k8s-$CLUSTER"');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Code: 400\. Errors:\n\n\* unknown role k8s-\n/);

  r = await sh.run('coffer token-create -format=json \\\n      -policy="$CLUSTER_ID/pki/etcd/member" \\\n      -role="k8s-$CLUSTER"', { env: { CLUSTER: CLUSTER_ID } });
  assert.equal(r.code, 0, r.stderr);
  const etcd = JSON.parse(r.stdout).auth;
  assert.deepEqual(etcd.policies, ['default', `${CLUSTER_ID}/pki/etcd/member`]);
  assert.equal(etcd.orphan, true);
  assert.equal(etcd.lease_duration, 720 * 3600);
  assert.equal(etcd.renewable, true);
  tokens.etcd = etcd.client_token;

  // The API server talks to etcd too, so its token carries both policies.
  r = await sh.run('coffer token-create -format=json -policy="$CLUSTER_ID/pki/etcd/member" -policy="$CLUSTER_ID/pki/k8s/kube-apiserver" -role="k8s-$CLUSTER_ID"');
  assert.equal(r.code, 0, r.stderr);
  tokens.apiserver = JSON.parse(r.stdout).auth.client_token;
  r = await sh.run('coffer token-create -policy=root -role="k8s-$CLUSTER_ID"');
  assert.equal(r.code, 2, 'no policy beyond allowed_policies');

  // What each token may do.
  const as = (t: string) => ({ VAULT_TOKEN: tokens[t]! });
  assert.equal((await sh.run('coffer write $CLUSTER_ID/pki/etcd/issue/member common_name=etcd-2', { env: as('etcd') })).code, 0);
  for (const denied of ['write $CLUSTER_ID/pki/k8s/issue/kube-apiserver common_name=kube-apiserver', 'read secret/$CLUSTER_ID/k8s/token', 'write $CLUSTER_ID/pki/etcd/roles/member allow_any_name=true']) {
    const d = await sh.run(`coffer ${denied}`, { env: as('etcd') });
    assert.equal(d.code, 2, denied);
    assert.match(d.stderr, /Code: 403\. Errors:\n\n\* permission denied\n/, denied);
  }
  assert.equal((await sh.run('coffer write $CLUSTER_ID/pki/k8s/issue/kube-apiserver common_name=kube-apiserver', { env: as('apiserver') })).code, 0);
  assert.match(await sh.ok('coffer read -field=key secret/$CLUSTER_ID/k8s/token', { env: as('apiserver') }), /PRIVATE KEY/);
  // A periodic token renews back to its period, indefinitely.
  r = await sh.run('coffer token renew -format=json', { env: as('etcd') });
  assert.equal(JSON.parse(r.stdout).auth.lease_duration, 720 * 3600);
});

test('configuring the services: the etcd node renders its certificate into three files and restarts etcd', async () => {
  const d = sh.dir;
  const FQDN = 'etcd-1.nyc3.example.com';
  // The node's token (consul-template's vault.token) goes into a file for the agent's token_file
  // auto-auth; consul-template's custom "certdump" plugin becomes writeToFile, and "service etcd
  // restart" a line appended to a log. The article's template reads $CLUSTER_ID/pki/data/issue/member,
  // a path its own policy does not grant; it is $CLUSTER_ID/pki/etcd/issue/member.
  await sh.ok(`mkdir -p opt/consul-template/templates opt/certs
printf %s "$NODE_TOKEN" > node-token
cat > opt/consul-template/templates/cert.template <<EOF
{{ with secret "$CLUSTER_ID/pki/etcd/issue/member" "common_name=${FQDN}"}}
    {{ .Data.serial_number }}
    {{ .Data.certificate | writeToFile "${d}/opt/certs/etcd-cert.pem" "" "" "0644" }}
    {{- .Data.private_key | writeToFile "${d}/opt/certs/etcd-key.pem" "" "" "0600" }}
    {{- .Data.issuing_ca | writeToFile "${d}/opt/certs/etcd-ca.pem" "" "" "0644" }}
    {{ end }}
EOF
cat > etcd-agent.hcl <<EOF
exit_after_auth = true
auto_auth {
  method "token_file" {
    config = { token_file_path = "${d}/node-token" }
  }
}
template {
  source      = "${d}/opt/consul-template/templates/cert.template"
  destination = "${d}/opt/certs/etcd.serial"
  command     = "echo etcd restarted >> ${d}/etcd-restarts.log"
}
EOF`, { env: { NODE_TOKEN: tokens.etcd! } });
  const agent = await sh.run('coffer agent -config=etcd-agent.hcl', { env: { VAULT_TOKEN: '' } });
  assert.equal(agent.code, 0, agent.stderr);

  const serial = readFileSync(join(d, 'opt/certs/etcd.serial'), 'utf8').trim();
  assert.match(serial, /^([0-9a-f]{2}:){15,19}[0-9a-f]{2}$/);
  const cert = new X509Certificate(readFileSync(join(d, 'opt/certs/etcd-cert.pem')));
  assert.equal(cert.subject, `CN=${FQDN}`);
  assert.equal(cert.serialNumber.toLowerCase().replace(/^0+/, ''), serial.replace(/:/g, '').replace(/^0+/, ''));
  const ca = new X509Certificate(readFileSync(join(d, 'opt/certs/etcd-ca.pem')));
  assert.equal(ca.subject, `CN=${CLUSTER_ID}/pki/etcd`);
  assert.ok(cert.verify(ca.publicKey));
  assert.equal(statSync(join(d, 'opt/certs/etcd-key.pem')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(d, 'etcd-restarts.log'), 'utf8'), 'etcd restarted\n');
  // The issue is in Coffer's records (the article's "audit log of all certificates issued").
  const listed = await sh.ok('coffer list -format=json $CLUSTER_ID/pki/etcd/certs');
  assert.ok(JSON.parse(listed).includes(serial), 'the issued serial is listed');
});

test('what the etcd flags ask: peers and clients must present a certificate from the cluster\'s etcd CA', async () => {
  const d = sh.dir;
  const file = (f: string) => readFileSync(join(d, 'opt/certs', f));
  // --cert-file/--key-file/--trusted-ca-file/--client-cert-auth, played by a TLS server.
  const server = createServer({ cert: file('etcd-cert.pem'), key: file('etcd-key.pem'), ca: file('etcd-ca.pem'), requestCert: true, rejectUnauthorized: true }, (s) => s.end(`hello ${s.getPeerCertificate().subject.CN}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const dial = (cert: string, key: string) => new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'etcd-1.nyc3.example.com', ca: file('etcd-ca.pem'), cert, key });
    let data = '';
    s.on('data', (c) => { data += c; });
    s.on('end', () => resolve(data));
    s.on('error', (e) => resolve(`error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
  try {
    // The kube-apiserver's etcd client certificate (--etcd-certfile), from its own token.
    const apiserver = JSON.parse(await sh.ok('coffer write -format=json $CLUSTER_ID/pki/etcd/issue/member common_name=kube-apiserver', { env: { VAULT_TOKEN: tokens.apiserver! } })).data;
    assert.equal(await dial(apiserver.certificate, apiserver.private_key), 'hello kube-apiserver');
    // A kubelet certificate from the Kubernetes CA is refused by etcd.
    const kubelet = JSON.parse(await sh.ok('coffer write -format=json $CLUSTER_ID/pki/k8s/issue/kubelet common_name=kubelet')).data;
    assert.match(await dial(kubelet.certificate, kubelet.private_key), /^(error: |$)/);
  } finally {
    server.close();
  }
});
