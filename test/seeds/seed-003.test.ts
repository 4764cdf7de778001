/**
 * Seed 003, "Breaking the Ice: Secure Introduction With Vault and Kubernetes" (a talk: its slides'
 * commands are described, not printed). Replayed in the talk's order: a server that comes up sealed
 * and is unsealed with Shamir key shares, storing only ciphertext; the Kubernetes side (a reviewer
 * service account allowed to use the TokenReview API, the application's service account); the
 * Vault side (the awesome-db policy, kubernetes auth with the reviewer JWT, host and CA, role
 * "web"); a pod logging in with curl; leases that an administrator revokes; and Vault Agent's
 * auto-auth with a file sink that renews the token and logs in again when it cannot.
 * In between, the talk's dynamic secret: `secrets enable database`, a PostgreSQL connection and
 * role awesome-db, and the pod reading database/creds/awesome-db: a real PostgreSQL role under a
 * lease, dropped when the lease is revoked.
 * Elsewhere: transit (test/engines/transit/) and the injector (test/kube/injector/); not built:
 * the Helm chart, HA and auto-unseal (docs/seeds.md).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startKubeTestServer, type KubeTestServer } from '../../src/kube/testing/index.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cofferBin, seedShell, type SeedShell } from './shell.js';
import { pgAdmin, pgRole, runId, scramMatches, skipUnless } from '../engines/database/dbs.js';

let coffer: TestCoffer;
let kube: KubeTestServer;
let sh: SeedShell;
let dataDir = '';
let keys: string[] = [];
let root = '';

before(async () => {
  kube = await startKubeTestServer({ legacyTokenSecrets: true, controllerDelayMs: 0 });
});
after(async () => {
  await coffer?.stop();
  await kube.close();
});

test('security by default: the server comes up sealed, Shamir shares unseal it, storage holds only ciphertext', async () => {
  coffer = await startCoffer({ storage: 'sqlite', uninitialized: true });
  dataDir = coffer.dataDir;
  sh = seedShell({ coffer, kube });
  let r = await sh.run('coffer status', { env: { VAULT_TOKEN: '' } });
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^Initialized +false$/m);

  const init = JSON.parse(await sh.ok('coffer operator init -format=json', { env: { VAULT_TOKEN: '' } }));
  assert.equal(init.unseal_shares, 5);
  assert.equal(init.unseal_threshold, 3);
  keys = init.unseal_keys_b64;
  root = init.root_token;
  r = await sh.run(`coffer operator unseal ${keys[0]}\ncoffer operator unseal ${keys[3]}\ncoffer operator unseal ${keys[4]}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Unseal Progress +2\/3\n[\s\S]*^Sealed +false$/m);

  // "By default, you have no permissions": a token with only the default policy reads nothing.
  const env = { VAULT_TOKEN: root };
  await sh.ok('coffer secrets enable -path=secret -version=1 kv\ncoffer write secret/passwords.txt password=hunter2-not-in-a-file', { env });
  const nobody = (await sh.ok('coffer token create -policy=default -field=token', { env })).trim();
  r = await sh.run('coffer read secret/passwords.txt', { env: { VAULT_TOKEN: nobody } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Code: 403/);

  // A pod rescheduled: a new server on the same storage comes up sealed until a quorum unseals it.
  await coffer.stop();
  for (const f of readdirSync(dataDir)) {
    assert.equal(readFileSync(join(dataDir, f)).includes('hunter2-not-in-a-file'), false, `plaintext in ${f}`);
  }
  coffer = await startCoffer({ storage: 'sqlite', uninitialized: true, dataDir });
  sh.env.VAULT_ADDR = coffer.addr;
  r = await sh.run('coffer read secret/passwords.txt', { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Code: 503\. Errors:\n\n\* Vault is sealed\n/);
  await sh.ok(`coffer operator unseal ${keys[1]} >/dev/null\ncoffer operator unseal ${keys[2]} >/dev/null\ncoffer operator unseal ${keys[0]} >/dev/null`);
  assert.equal(await sh.ok('coffer read -field=password secret/passwords.txt', { env }), 'hunter2-not-in-a-file');
  sh.env.VAULT_TOKEN = root;
});

test('Kubernetes side: the reviewer service account with the TokenReview API, and the web server\'s account', async () => {
  await sh.ok(`kubectl create serviceaccount vault-auth
cat <<EOF | kubectl apply -f -
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: role-tokenreview-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:auth-delegator
subjects:
- kind: ServiceAccount
  name: vault-auth
  namespace: default
EOF
kubectl create serviceaccount webserver`);
  const can = await sh.ok('kubectl auth can-i create tokenreviews.authentication.k8s.io --as=system:serviceaccount:default:vault-auth');
  assert.equal(can, 'yes\n');
});

test('Vault side: the awesome-db policy, kubernetes auth from the service account\'s secret, role web', async () => {
  let out = await sh.ok(`cat > awesome-db.hcl <<EOF
path "database/creds/awesome-db" {
  capabilities = ["read"]
}
EOF
coffer policy write awesome-db awesome-db.hcl
coffer auth enable kubernetes`);
  assert.equal(out, 'Success! Uploaded policy: awesome-db\nSuccess! Enabled kubernetes auth method at: kubernetes/\n');

  // "Every service account has a secret name … from there you can get the token", and the CA.
  out = await sh.ok(`VAULT_SA_NAME=$(kubectl get sa vault-auth -o jsonpath="{.secrets[*]['name']}")
SA_JWT_TOKEN=$(kubectl get secret $VAULT_SA_NAME -o jsonpath="{.data.token}" | base64 --decode; echo)
kubectl get secret $VAULT_SA_NAME -o jsonpath="{.data['ca\\.crt']}" | base64 --decode > ca.crt
K8S_HOST=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
coffer write auth/kubernetes/config \\
  token_reviewer_jwt="$SA_JWT_TOKEN" \\
  kubernetes_host="$K8S_HOST" \\
  kubernetes_ca_cert=@ca.crt`);
  assert.equal(out, 'Success! Data written to: auth/kubernetes/config\n');

  const r = await sh.run(`coffer write auth/kubernetes/role/web \\
  bound_service_account_names=webserver \\
  bound_service_account_namespaces=default \\
  policies=awesome-db \\
  ttl=25h`);
  assert.equal(r.code, 0, r.stderr);
});

test('the web server pod logs in with curl; its token carries awesome-db for 25 hours, renewable', async () => {
  // kubectl run webserver … with the webserver service account; the token is the one mounted in it.
  const out = await sh.ok(`kubectl run webserver --image=awesome-app --restart=Never --overrides='{"apiVersion":"v1","spec":{"serviceAccountName":"webserver"}}' >/dev/null
KUBE_TOKEN=$(kubectl create token webserver --bound-object-kind Pod --bound-object-name webserver)
curl -sS --request POST \\
  --data '{"jwt": "'"$KUBE_TOKEN"'", "role": "web"}' \\
  $VAULT_ADDR/v1/auth/kubernetes/login`);
  const auth = JSON.parse(out).auth;
  assert.match(auth.client_token, /^hvs\./);
  assert.deepEqual(auth.policies, ['awesome-db', 'default']);
  assert.equal(auth.lease_duration, 25 * 3600);
  assert.equal(auth.renewable, true);
  assert.equal(auth.metadata.service_account_name, 'webserver');

  const env = { VAULT_TOKEN: auth.client_token };
  // The policy names a path that need not exist yet; it grants that path only.
  const caps = await sh.ok('coffer token capabilities database/creds/awesome-db', { env });
  assert.equal(caps, 'read\n');
  assert.equal(await sh.ok('coffer token capabilities secret/passwords.txt', { env }), 'deny\n');
  // "Those tokens—like any token—are renewable."
  const renewed = JSON.parse(await sh.ok('coffer token renew -format=json', { env })).auth;
  assert.equal(renewed.lease_duration, 25 * 3600);
  // An administrator revokes every token the role handed out, by prefix.
  await sh.ok('coffer lease revoke -prefix auth/kubernetes/login');
  const after = await sh.run('coffer token lookup', { env });
  assert.equal(after.code, 2);
  assert.match(after.stderr, /Code: 403\. Errors:\n\n\* permission denied\n/);
});

const pgReady = await skipUnless('postgres');

test('dynamic secrets: the pod reads database/creds/awesome-db; a PostgreSQL role with a lease, gone when revoked', pgReady, async () => {
  // "Vault, I need to talk to this database." The operator's side, with the root token.
  const app = `coffer_seed003_${runId()}`;
  let out = await sh.ok(`coffer secrets enable database
coffer write database/config/awesome-db \\
  plugin_name=postgresql-database-plugin \\
  allowed_roles=awesome-db \\
  connection_url="postgresql://{{username}}:{{password}}@127.0.0.1:5432/test?sslmode=disable&application_name=${app}" \\
  username=postgres password=root-password-of-the-database
coffer write database/roles/awesome-db \\
  db_name=awesome-db \\
  creation_statements="CREATE ROLE \\"{{name}}\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \\"{{name}}\\";" \\
  default_ttl=1h max_ttl=24h`);
  assert.equal(out, 'Success! Enabled the database secrets engine at: database/\nSuccess! Data written to: database/config/awesome-db\nSuccess! Data written to: database/roles/awesome-db\n');

  // The pod logs in again and reads its credentials: "reading is the way you create them".
  const login = JSON.parse(await sh.ok(`KUBE_TOKEN=$(kubectl create token webserver)
curl -sS --request POST --data '{"jwt": "'"$KUBE_TOKEN"'", "role": "web"}' $VAULT_ADDR/v1/auth/kubernetes/login`));
  const env = { VAULT_TOKEN: login.auth.client_token };
  const creds = JSON.parse(await sh.ok('coffer read -format=json database/creds/awesome-db', { env }));
  assert.match(creds.lease_id, /^database\/creds\/awesome-db\/\w+$/);
  assert.equal(creds.lease_duration, 3600);
  assert.equal(creds.renewable, true);
  assert.match(creds.data.username, /^v-kubernet-awesome--[A-Za-z0-9]{20}-\d{10}$/);
  const admin = pgAdmin();
  try {
    const role = await pgRole(admin, creds.data.username);
    assert.ok(role, 'the database role exists');
    assert.equal(scramMatches(role.rolpassword, creds.data.password), true);
    assert.ok(role.rolvaliduntil && role.rolvaliduntil.getTime() > Date.now() + 3500_000);
    // The pod's policy gives it this path only.
    const denied = await sh.run('coffer read database/config/awesome-db', { env });
    assert.match(denied.stderr, /Code: 403/);
    // "I tell it, hey, I'm still using it": the lease renews.
    const renewed = JSON.parse(await sh.ok(`coffer lease renew -format=json ${creds.lease_id}`));
    assert.equal(renewed.lease_duration, 3600);
    // "An administrator can go and revoke that lease manually."
    await sh.ok(`coffer lease revoke ${creds.lease_id}`);
    for (let i = 0; i < 50 && (await pgRole(admin, creds.data.username)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await pgRole(admin, creds.data.username), undefined, 'the role is dropped');
    await sh.ok('coffer secrets disable database');
  } finally {
    await admin.end();
  }
});

test('Vault Agent: kubernetes auto-auth, token in a file sink, renewed, and a new login when it can no longer renew', { timeout: 60_000 }, async () => {
  // Short TTLs so the lifecycle fits in a test: renewals up to max_ttl, then a fresh login.
  await sh.ok('coffer write auth/kubernetes/role/web bound_service_account_names=webserver bound_service_account_namespaces=default policies=awesome-db ttl=4s max_ttl=8s 2>/dev/null');
  await sh.ok('mkdir -p var/run/secrets/kubernetes.io/serviceaccount dev/shm\nkubectl create token webserver --duration=1h > var/run/secrets/kubernetes.io/serviceaccount/token');
  const d = sh.dir;
  // The talk's slide: auto_auth, method kubernetes, mount path kubernetes, role web; a token path
  // for projected tokens; the sink on a tmpfs-like location.
  writeFileSync(join(d, 'agent.hcl'), `
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = {
      role = "web"
      token_path = "${d}/var/run/secrets/kubernetes.io/serviceaccount/token"
    }
  }
  sink "file" {
    config = {
      path = "${d}/dev/shm/vault-token"
    }
  }
}
`);
  const agent = spawn(join(cofferBin(), 'coffer'), ['agent', '-config=agent.hcl'], { cwd: d, env: { ...sh.env, VAULT_TOKEN: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  agent.stderr!.on('data', (c) => { logs += c; });
  const sink = () => { try { return readFileSync(join(d, 'dev/shm/vault-token'), 'utf8'); } catch { return ''; } };
  const waitFor = async <T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    const first = await waitFor('the first token', sink);
    const lookup = async (t: string) => {
      const r = await sh.run('coffer token lookup -format=json "$T"', { env: { T: t } });
      return r.code === 0 ? JSON.parse(r.stdout).data : undefined;
    };
    assert.deepEqual((await lookup(first)).policies, ['awesome-db', 'default']);
    // Renewed: its expiry moves past the 4s it was issued with (up to max_ttl).
    const renewed = await waitFor('a renewal of the first token', async () => {
      const t = await lookup(first);
      return t && Date.parse(t.expire_time) - Date.parse(t.issue_time) > 5000 ? t : undefined;
    });
    assert.ok(Date.parse(renewed.expire_time) - Date.parse(renewed.issue_time) <= 8000, 'never past max_ttl');
    const second = await waitFor('a new login once the first token hit max_ttl', () => { const t = sink(); return t && t !== first ? t : undefined; });
    assert.equal((await lookup(second)).meta.service_account_name, 'webserver');
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
  }
});
