/**
 * Seed 000, "Make Kubernetes more secure with HashiCorp Vault", replayed in the article's order:
 * an offline cfssl root signs an intermediate whose key stays in Coffer; component certificates
 * carry the CN/O a kube-apiserver maps to user/group; an instance's start-up token issues them and
 * revokes itself with the article's curl; pods log in with the kubernetes method configured from a
 * legacy token Secret (kubectl + jq as written) and read kv/simple-secret with curl.
 * The instance's EC2 login runs against a test metadata service and a test "AWS" certificate.
 * Not here (docs/seeds.md says why): the Vault-CRD operator.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { startKubeTestServer, type KubeTestServer } from '../../src/kube/testing/index.js';
import { startImdsTestServer } from '../../src/auth/aws/testing/imds-server.js';
import { identityDocument, makeEc2Fixture } from '../auth/aws/ec2-fixture.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { seedShell, type SeedShell } from './shell.js';

let coffer: TestCoffer;
let kube: KubeTestServer;
let sh: SeedShell;

before(async () => {
  coffer = await startCoffer();
  // The article's cluster predates 1.24: a ServiceAccount gets a <name>-token-xxxxx Secret.
  kube = await startKubeTestServer({ legacyTokenSecrets: true, controllerDelayMs: 0 });
  sh = seedShell({ coffer, kube, env: { KUBERNETES_API_URL: `${kube.host}:${kube.port}` } });
});
after(async () => {
  await coffer.stop();
  await kube.close();
});

const pem = (file: string) => new X509Certificate(readFileSync(join(sh.dir, file)));

test('root certificate: cfssl gencert -initca, offline', async () => {
  await sh.ok(`cat <<EOF >ca-csr.json
{
  "CN": "Kubernetes CA",
  "key": {
    "algo": "rsa",
    "size": 4096
  },
  "ca": {
    "expiry": "87600h"
  },
  "names": [
    {
      "C": "DE",
      "L": "Wesel",
      "O": "Kubernetes",
      "OU": "CA",
      "ST": "NW"
    }
  ]
}
EOF

cfssl gencert -initca ca-csr.json | cfssljson -bare ca`);
  const root = pem('ca.pem');
  assert.equal(root.subject, 'C=DE\nST=NW\nL=Wesel\nO=Kubernetes\nOU=CA\nCN=Kubernetes CA');
  assert.ok(root.ca);
  const years = (Date.parse(root.validTo) - Date.parse(root.validFrom)) / (365.25 * 86400_000);
  assert.ok(years > 9.9 && years < 10.1, `~10 years: ${years}`);
});

test('intermediate: CSR from Coffer, signed by cfssl, uploaded with set-signed', async () => {
  let out = await sh.ok(`coffer secrets enable pki
coffer secrets tune -max-lease-ttl=8760h pki
coffer write -field=csr pki/intermediate/generate/internal common_name="Kubernetes Intermediate Authority" key_type=rsa key_bits=4096 ttl=43800h > intermediate.csr`);
  assert.equal(out, 'Success! Enabled the pki secrets engine at: pki/\nSuccess! Tuned the secrets engine at: pki/\n');
  assert.match(readFileSync(join(sh.dir, 'intermediate.csr'), 'utf8'), /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+-----END CERTIFICATE REQUEST-----$/);

  // intermediate.json as the article prints it: "is_ca" sits in the profile, where cfssl ignores
  // it (cfssl reads it from "ca_constraint"), so the certificate says CA:FALSE. Coffer refuses to
  // import it exactly as Vault does.
  await sh.ok(`cat <<EOF >intermediate.json
{
  "signing": {
    "default": {
      "usages": ["digital signature","cert sign","crl sign","signing"],
      "expiry": "43800h",
      "is_ca": true
    }
  }
}
EOF
cfssl sign -ca ca.pem -ca-key ca-key.pem -config intermediate.json intermediate.csr | cfssljson -bare intermediate_ca`);
  assert.equal(pem('intermediate_ca.pem').ca, false);
  let r = await sh.run('coffer write pki/intermediate/set-signed certificate=@intermediate_ca.pem');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error writing data to pki\/intermediate\/set-signed: Error making API request\.\n\nURL: PUT .*\/v1\/pki\/intermediate\/set-signed\nCode: 400\. Errors:\n\n\* Error parsing issuer 0: Refusing to import non-CA certificate\n-----BEGIN CERTIFICATE-----\n/);

  // With cfssl's own spelling of the same intent the flow goes through as the article describes.
  await sh.ok(`cat <<EOF >intermediate.json
{
  "signing": {
    "default": {
      "usages": ["digital signature","cert sign","crl sign","signing"],
      "expiry": "43800h",
      "ca_constraint": { "is_ca": true }
    }
  }
}
EOF
cfssl sign -ca ca.pem -ca-key ca-key.pem -config intermediate.json intermediate.csr | cfssljson -bare intermediate_ca`);
  const intermediate = pem('intermediate_ca.pem');
  assert.ok(intermediate.ca);
  assert.ok(intermediate.verify(pem('ca.pem').publicKey), 'signed by the offline root');
  assert.equal(intermediate.subject, 'CN=Kubernetes Intermediate Authority');
  r = await sh.run('coffer write pki/intermediate/set-signed certificate=@intermediate_ca.pem');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^imported_issuers +\[[0-9a-f-]{36}\]$/m);

  // The intermediate's private key exists only inside Coffer.
  out = await sh.ok('coffer read -format=json pki/issuer/default');
  assert.equal(JSON.parse(out).data.certificate.trim(), readFileSync(join(sh.dir, 'intermediate_ca.pem'), 'utf8').trim());
  assert.equal(JSON.parse(out).data.private_key, undefined);
});

// The article's table of components (its diagram): CN = user name, O = group, for RBAC.
const components: { role: string; cn: string; o?: string; args: string }[] = [
  { role: 'kube-proxy', cn: 'system:kube-proxy', o: 'system:node-proxier', args: 'allowed_domains=system:kube-proxy allow_bare_domains=true' },
  { role: 'kube-scheduler', cn: 'system:kube-scheduler', args: 'allowed_domains=system:kube-scheduler allow_bare_domains=true' },
  { role: 'kube-controller-manager', cn: 'system:kube-controller-manager', args: 'allowed_domains=system:kube-controller-manager allow_bare_domains=true' },
  { role: 'kubelet', cn: 'system:node:worker-1', o: 'system:nodes', args: 'allowed_domains="system:node:*" allow_glob_domains=true' },
  { role: 'admin', cn: 'admin', o: 'system:masters', args: 'allowed_domains=admin allow_bare_domains=true' },
];

test('component certificates: CN and O from roles, short-lived, chained to the offline root', async () => {
  for (const c of components) {
    // Client certificates only (the apiserver reads CN/O), 2h at most as the article recommends.
    await sh.ok(`coffer write pki/roles/${c.role} ${c.args} enforce_hostnames=false ${c.o ? `organization=${c.o}` : ''} server_flag=false client_flag=true key_type=ec ttl=1h max_ttl=2h`);
  }
  const server = await apiserverLike(readFileSync(join(sh.dir, 'ca.pem'), 'utf8'));
  try {
    for (const c of components) {
      const out = await sh.ok(`coffer write -format=json pki/issue/${c.role} common_name=${c.cn}`);
      const issued = JSON.parse(out).data;
      const cert = new X509Certificate(issued.certificate);
      assert.equal(cert.subject, `${c.o ? `O=${c.o}\n` : ''}CN=${c.cn}`, c.role);
      assert.equal(issued.issuing_ca.trim(), readFileSync(join(sh.dir, 'intermediate_ca.pem'), 'utf8').trim());
      assert.ok((Date.parse(cert.validTo) - Date.now()) / 1000 <= 3600 + 60, 'the role ttl (1h)');
      // The kube-apiserver knows only the offline root (--client-ca-file); the client sends its chain.
      const who = await server.authenticate(`${issued.certificate}\n${issued.issuing_ca}\n`, issued.private_key);
      assert.deepEqual(who, { user: c.cn, groups: c.o ? [c.o] : [] }, c.role);
    }
    const refused = await sh.run('coffer write pki/issue/kube-proxy common_name=system:kube-scheduler');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Code: 400\. Errors:\n\n\* common name system:kube-scheduler not allowed by this role/);
    const long = await sh.run('coffer write -format=json pki/issue/admin common_name=admin ttl=24h');
    assert.equal(long.code, 0, long.stderr);
    assert.deepEqual(JSON.parse(long.stdout).warnings, ['TTL "24h0m0s" is longer than permitted maxTTL "2h0m0s", so maxTTL is being used']);
  } finally {
    server.close();
  }
});

test('instance start-up: the instance logs in with its EC2 identity, issues the node certificate, then revokes its token with curl', async () => {
  await sh.ok(`coffer policy write kubernetes-master - <<EOF
path "pki/issue/*" {
  capabilities = ["update"]
}
EOF`);
  // The instance's metadata service (169.254.169.254 → $IMDS), serving an identity document
  // signed by a test "AWS" certificate. Coffer ships no AWS certificate: the operator registers
  // the one AWS publishes for the region (here the test's), an extra step the article's Vault did not need.
  const fx = makeEc2Fixture();
  const document = JSON.stringify(identityDocument({ instanceId: 'i-0kubemaster00001', region: 'eu-central-1' }), null, 2);
  const imds = await startImdsTestServer({ document, pkcs7: fx.pkcs7(JSON.parse(document)) });
  writeFileSync(join(sh.dir, 'aws-test.pem'), fx.pkcs7Cert);
  const env: NodeJS.ProcessEnv = { IMDS: imds.url };
  try {
    // The article's commands; `ec2metadata --instance-id` is the metadata service's instance-id path.
    await sh.ok(`coffer auth enable aws
coffer write auth/aws/config/certificate/aws-test aws_public_cert=@aws-test.pem
instanceId=$(curl -s $IMDS/latest/meta-data/instance-id)

coffer write auth/aws/role/kubernetes-master \\
  auth_type=ec2 \\
  bound_ec2_instance_id=\${instanceId} \\
  policies=kubernetes-master \\
`, { env });
    const role = JSON.parse(await sh.ok('coffer read -format=json auth/aws/role/kubernetes-master')).data;
    assert.equal(role.auth_type, 'ec2');
    assert.deepEqual(role.bound_ec2_instance_id, ['i-0kubemaster00001']);
    assert.deepEqual(role.token_policies, ['kubernetes-master']);
    // The article's advice: a short-lived token, and no second login from the instance.
    await sh.ok('coffer write auth/aws/role/kubernetes-master token_ttl=10m token_max_ttl=10m disallow_reauthentication=true');

    const login = `pkcs7=$(curl -s $IMDS/latest/dynamic/instance-identity/pkcs7 | tr -d '\\n')
curl -s -X POST "$VAULT_ADDR/v1/auth/aws/login" -d "{\\"role\\":\\"kubernetes-master\\",\\"pkcs7\\":\\"\${pkcs7}\\"}"`;
    const answer = JSON.parse(await sh.ok(login, { env }));
    assert.match(answer.auth.client_token, /^hvs\./, JSON.stringify(answer));
    assert.deepEqual(answer.auth.policies, ['default', 'kubernetes-master']);
    assert.equal(answer.auth.lease_duration, 600);
    env.VAULT_TOKEN = answer.auth.client_token;
    // Regeneration is forbidden: the same instance cannot log in again.
    assert.deepEqual(JSON.parse(await sh.ok(login, { env: { IMDS: imds.url } })), { errors: ['reauthentication is disabled'] });
  } finally {
    await imds.close();
  }

  const out = await sh.ok('coffer write -field=certificate pki/issue/kubelet common_name=system:node:worker-1', { env });
  assert.equal(new X509Certificate(out).subject, 'O=system:nodes\nCN=system:node:worker-1');

  // The article's path, auth/token/revoke.self, is a typo for revoke-self: the default policy
  // does not cover it, so Coffer answers 403 as Vault does, and the token stays valid.
  const curl = (path: string) => sh.run(`curl -sS -w '%{http_code}' -X POST $VAULT_ADDR/v1/auth/token/${path} \\
  -H "X-Vault-Token: \${VAULT_TOKEN}" \\
  -d "{\\"token\\": \\"\${VAULT_TOKEN}\\"}"`, { env });
  let revoke = await curl('revoke.self');
  assert.equal(revoke.stdout.slice(-3), '403', revoke.stderr);
  assert.deepEqual(JSON.parse(revoke.stdout.slice(0, -3)), { errors: ['permission denied'] });
  assert.equal((await sh.run('coffer token lookup', { env })).code, 0);
  revoke = await curl('revoke-self');
  // revoke-self takes no "token" field: like Vault, Coffer says so in a warning (hence 200, not 204).
  assert.equal(revoke.stdout.slice(-3), '200', revoke.stderr);
  assert.deepEqual(JSON.parse(revoke.stdout.slice(0, -3)).warnings, ['Endpoint ignored these unrecognized parameters: [token]']);
  const after = await sh.run('coffer write pki/issue/kubelet common_name=system:node:worker-1', { env });
  assert.equal(after.code, 2);
  assert.match(after.stderr, /Code: 403\. Errors:\n\n\* permission denied/);
});

test('kubernetes auth: reviewer from the vault-auth token Secret, role vault-consumer, login and read with curl', async () => {
  // 1. The cluster side. rbac.authorization.k8s.io/v1beta1 is gone since Kubernetes 1.22: v1.
  await sh.ok(`kubectl create sa vault-auth
cat <<EOF | kubectl apply -f -
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: role-tokenreview-binding
  namespace: default
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:auth-delegator
subjects:
- kind: ServiceAccount
  name: vault-auth
  namespace: default
EOF`);

  // 2. Coffer's side, from the generated secret vault-auth-xxxx (base64 -D is macOS for -d).
  await sh.ok(`secretName=$(kubectl get sa vault-auth -o jsonpath='{.secrets[0].name}')
jwToken=$(kubectl get secret \${secretName} -o json | jq '.data["token"]' -r | base64 -d)
kubectl get secret \${secretName} -o json | jq '.data["ca.crt"]' -r | base64 -d  > ca.crt

coffer auth enable kubernetes
coffer write auth/kubernetes/config \\
    token_reviewer_jwt="\${jwToken}" \\
    kubernetes_host=https://\${KUBERNETES_API_URL} \\
    kubernetes_ca_cert=@ca.crt`);
  assert.equal(readFileSync(join(sh.dir, 'ca.crt'), 'utf8'), kube.caPem);

  const role = await sh.run(`coffer write auth/kubernetes/role/vault-consumer \\
    bound_service_account_names=vault-consumer \\
    bound_service_account_namespaces=default \\
    policies=simple-key-value`);
  // Vault answers with a warning (no audience), which its CLI prints on stderr in place of "Success!".
  assert.deepEqual([role.code, role.stdout], [0, ''], role.stderr);
  assert.equal(role.stderr, 'WARNING! The following warnings were returned from Vault:\n\n  * Role vault-consumer does not have an audience configured. While audiences\n  are not required, consider specifying one if your use case would benefit\n  from additional JWT claim verification.\n\n');

  // What the article leaves to the reader: the kv mount Vault-CRD reads, the secret, the policy.
  await sh.ok(`coffer secrets enable -path=kv kv
coffer write kv/simple-secret username=app password=s3cr3t
coffer policy write simple-key-value - <<EOF
path "kv/simple-secret" {
  capabilities = ["read"]
}
EOF`);

  // 3. The pod: its service account and the token mounted into it (no kubelet here, so the
  // token comes from TokenRequest bound to the pod object, as a kubelet would request it).
  await sh.ok(`kubectl create sa vault-consumer
kubectl run busybox --image=tutum/curl --restart=Never --overrides='{"apiVersion":"v1","spec":{"serviceAccountName":"vault-consumer"}}'
mkdir -p serviceaccount
kubectl create token vault-consumer --bound-object-kind Pod --bound-object-name busybox > serviceaccount/token`);

  let out = await sh.ok(`token=$(cat serviceaccount/token)
curl -sS -X POST "$VAULT_ADDR/v1/auth/kubernetes/login" -d "{\\"role\\":\\"vault-consumer\\",\\"jwt\\":\\"\${token}\\"}"`);
  const auth = JSON.parse(out).auth;
  assert.match(auth.client_token, /^hvs\./);
  assert.deepEqual(auth.policies, ['default', 'simple-key-value']);
  assert.equal(auth.metadata.service_account_name, 'vault-consumer');
  assert.equal(auth.metadata.service_account_namespace, 'default');

  const env = { VAULT_TOKEN: auth.client_token };
  out = await sh.ok(`curl -sS "$VAULT_ADDR/v1/kv/simple-secret" \\
    -H "X-Vault-Token: \${VAULT_TOKEN}"`, { env });
  assert.deepEqual(JSON.parse(out).data, { username: 'app', password: 's3cr3t' });
  out = await sh.ok(`curl -sS -o /dev/null -w '%{http_code}' "$VAULT_ADDR/v1/pki/issue/kubelet" -X POST -d '{"common_name":"system:node:x"}' -H "X-Vault-Token: \${VAULT_TOKEN}"`, { env });
  assert.equal(out, '403', 'only the policy\'s path');

  // A service account the role does not name is refused, with Vault's message.
  out = await sh.ok(`kubectl create sa intruder >/dev/null
curl -sS -X POST "$VAULT_ADDR/v1/auth/kubernetes/login" -d "{\\"role\\":\\"vault-consumer\\",\\"jwt\\":\\"$(kubectl create token intruder)\\"}"`);
  assert.deepEqual(JSON.parse(out), { errors: ['service account name not authorized'] });

  // The article's advice for start-up scripts applies to pods too: revoke the token when done.
  out = await sh.ok(`curl -sS -w '%{http_code}' -X POST "$VAULT_ADDR/v1/auth/token/revoke-self" -H "X-Vault-Token: \${VAULT_TOKEN}"
curl -sS -o /dev/null -w ' %{http_code}' "$VAULT_ADDR/v1/kv/simple-secret" -H "X-Vault-Token: \${VAULT_TOKEN}"`, { env });
  assert.equal(out, '204 403');
});

/** A TLS server that authenticates clients as the kube-apiserver does: chain to the client CA, CN = user, O = groups. */
async function apiserverLike(clientCA: string): Promise<{ authenticate(chain: string, key: string): Promise<{ user: string; groups: string[] } | string>; close(): void }> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const dir = sh.dir;
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'apiserver-key.pem', '-out', 'apiserver.pem', '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir });
  const serverCert = readFileSync(join(dir, 'apiserver.pem'), 'utf8');
  const server = createServer({ cert: serverCert, key: readFileSync(join(dir, 'apiserver-key.pem')), ca: clientCA, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
    const peer = socket.getPeerCertificate();
    const o = peer.subject.O;
    socket.end(JSON.stringify({ user: peer.subject.CN, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    authenticate: (chain, key) => new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port, ca: serverCert, cert: chain, key, servername: undefined, checkServerIdentity: () => undefined });
      let data = '';
      s.on('data', (d) => { data += d; });
      s.on('end', () => resolve(data ? JSON.parse(data) : 'no answer'));
      s.on('error', (e) => resolve(e.message));
    }),
    close: () => server.close(),
  };
}
