/**
 * The iam login over HTTP against a real Coffer, with the STS test server standing in for AWS:
 * requests are signed with SigV4 as the SDKs sign them, and the test server checks signatures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamLoginData } from '../../../src/auth/aws/client-login.js';
import { startStsTestServer, type StsTestServer } from '../../../src/auth/aws/testing/sts-server.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';

const ACCOUNT = '123456789012';
const alice = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret-0123456789' };
const bob = { accessKeyId: 'AKIDBOB', secretAccessKey: 'bob-secret-0123456789' };
const deploy = { accessKeyId: 'ASIADEPLOY', secretAccessKey: 'deploy-secret-0123456789', sessionToken: 'session-token-xyz' };

let coffer: TestCoffer;
let sts: StsTestServer;

before(async () => {
  sts = await startStsTestServer({
    AKIDALICE: { secretAccessKey: alice.secretAccessKey, arn: `arn:aws:iam::${ACCOUNT}:user/team/alice`, userId: 'AIDAALICE', account: ACCOUNT },
    AKIDBOB: { secretAccessKey: bob.secretAccessKey, arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userId: 'AIDABOB', account: ACCOUNT },
    ASIADEPLOY: { secretAccessKey: deploy.secretAccessKey, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-42`, userId: 'AROADEPLOY:ci-42', account: ACCOUNT },
  });
  coffer = await startCoffer();
  assert.equal((await coffer.api('POST', 'sys/auth/aws', { type: 'aws' })).status, 204);
  assert.equal((await coffer.api('PUT', 'sys/audit/file', { type: 'file', options: { file_path: join(coffer.dataDir, 'audit.log') } })).status, 204);
  const cfg = await coffer.api('POST', 'auth/aws/config/client', { access_key: 'AKIDCOFFER', secret_key: 'coffer-never-shows-this', sts_endpoint: sts.url, max_retries: 0 });
  assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
  await coffer.api('POST', 'auth/aws/role/alice', { bound_iam_principal_arn: `arn:aws:iam::${ACCOUNT}:user/alice`, policies: 'dev', ttl: '1h' });
  await coffer.api('POST', 'auth/aws/role/team', { bound_iam_principal_arn: `arn:aws:iam::${ACCOUNT}:user/team/*`, policies: 'team' });
  await coffer.api('POST', 'auth/aws/role/deployer', { bound_iam_principal_arn: `arn:aws:iam::${ACCOUNT}:role/deployer`, policies: 'deploy' });
  await coffer.api('POST', 'auth/aws/role/instances', { auth_type: 'ec2', bound_account_id: ACCOUNT, policies: 'x' });
});
after(async () => {
  await coffer.stop();
  await sts.close();
});

const login = (data: Record<string, unknown>) => coffer.api('POST', 'auth/aws/login', data, '');

test('iam login: a signed GetCallerIdentity logs in; the token carries Vault\'s metadata and works', async () => {
  const r = await login(iamLoginData(alice, { role: 'team' }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const auth = r.body.auth;
  assert.match(auth.client_token, /^hvs\./);
  assert.deepEqual(auth.policies, ['default', 'team']);
  const roleId = (await coffer.api('GET', 'auth/aws/role/team')).body.data.role_id;
  assert.deepEqual(auth.metadata, { role_id: roleId, account_id: ACCOUNT, auth_type: 'iam' });
  // Coffer sent the request to the configured endpoint with the Host the client signed.
  assert.deepEqual(sts.requests.at(-1), { method: 'POST', path: '/', host: 'sts.amazonaws.com' });
  const self = await coffer.api('GET', 'auth/token/lookup-self', undefined, auth.client_token);
  assert.equal(self.status, 200);
  assert.equal(self.body.data.display_name, 'aws-alice');
  assert.equal(self.body.data.path, 'auth/aws/login');
  // Renewal re-checks the role's binding.
  const renew = await coffer.api('POST', 'auth/token/renew-self', {}, auth.client_token);
  assert.equal(renew.status, 200, JSON.stringify(renew.body));
});

test('iam login: exact ARN binding, assumed roles by their canonical role ARN, role named after the principal', async () => {
  let r = await login(iamLoginData(bob, { role: 'alice' }));
  assert.deepEqual([r.status, r.body], [400, { errors: [`IAM Principal "arn:aws:iam::${ACCOUNT}:user/bob" does not belong to the role "alice"`] }]);
  // As in Vault, an exact binding is compared with the canonical ARN, which has no path:
  // user team/alice is arn:…:user/alice there (wildcard bindings see the path, see 'team').
  r = await login(iamLoginData(alice, { role: 'alice' }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await coffer.api('POST', 'auth/aws/role/alice-with-path', { bound_iam_principal_arn: `arn:aws:iam::${ACCOUNT}:user/team/alice`, policies: 'dev' });
  r = await login(iamLoginData(alice, { role: 'alice-with-path' }));
  assert.equal(r.status, 400);
  r = await login(iamLoginData(deploy, { role: 'deployer' }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const self = await coffer.api('GET', 'auth/token/lookup-self', undefined, r.body.auth.client_token);
  assert.equal(self.body.data.display_name, 'aws-deployer/ci-42');
  // Without "role", the principal's friendly name picks the role.
  r = await login(iamLoginData(deploy));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.auth.policies, ['default', 'deploy']);
  r = await login(iamLoginData(bob));
  assert.deepEqual([r.status, r.body], [400, { errors: ['entry for role bob not found'] }]);
  r = await login(iamLoginData(bob, { role: 'instances' }));
  assert.deepEqual([r.status, r.body], [400, { errors: ['auth method iam not allowed for role instances'] }]);
});

test('iam login: signatures STS refuses are refused (wrong secret, unknown key, stale date, tampered headers)', async () => {
  let r = await login(iamLoginData({ ...alice, secretAccessKey: 'guessed' }, { role: 'team' }));
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /^error making upstream request: received error code 403 from STS: .*<Code>SignatureDoesNotMatch<\/Code>/s);
  r = await login(iamLoginData({ accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' }, { role: 'team' }));
  assert.match(r.body.errors[0], /<Code>InvalidClientTokenId<\/Code>/);
  r = await login(iamLoginData(alice, { role: 'team', date: new Date(Date.now() - 30 * 60 * 1000) }));
  assert.match(r.body.errors[0], /Signature expired/);
  // A header changed after signing (here the date) breaks the signature.
  const data = iamLoginData(alice, { role: 'team' });
  const headers = JSON.parse(Buffer.from(data.iam_request_headers!, 'base64').toString());
  headers['Content-Type'] = ['text/plain'];
  r = await login({ ...data, iam_request_headers: headers });
  assert.match(r.body.errors[0], /SignatureDoesNotMatch/);
});

test('iam login: only GetCallerIdentity is forwarded; bad input is a 400 naming the problem', async () => {
  const good = iamLoginData(alice, { role: 'team' });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cases: [Record<string, unknown>, string][] = [
    [{ ...good, iam_request_body: b64('Action=AssumeRole&Version=2011-06-15') }, 'iam request body is invalid'],
    [{ ...good, iam_request_body: b64('Action=GetCallerIdentity&Version=2011-06-15&RoleArn=x') }, 'iam request body is invalid'],
    [{ ...good, iam_request_url: b64('https://sts.amazonaws.com/?Action=AssumeRole') }, 'invalid request'],
    [{ ...good, iam_http_request_method: 'GET' }, "invalid iam_http_request_method; currently only 'POST' is supported"],
    [{ ...good, iam_request_url: '%%%' }, 'failed to base64 decode iam_request_url'],
    [{ ...good, iam_request_headers: 'bm90IGpzb24=' }, 'error converting input for field "iam_request_headers": expected a JSON object or its base64 encoding'],
    [{ ...good, iam_request_headers: {} }, 'missing iam_request_headers'],
    [{ role: 'team', iam_http_request_method: 'POST' }, 'supplied some of the auth values for the iam auth type but not all'],
    [{ ...good, pkcs7: 'abc' }, 'supplied auth values for both ec2 and iam auth types'],
    [{ role: 'team' }, "didn't supply required authentication values"],
  ];
  for (const [data, message] of cases) {
    const r = await login(data);
    assert.deepEqual([r.status, r.body], [400, { errors: [message] }], message);
  }
});

test('iam login: X-Vault-AWS-IAM-Server-ID must be present, equal and signed when configured', async () => {
  await coffer.api('POST', 'auth/aws/config/client', { iam_server_id_header_value: 'coffer.example.com' });
  try {
    let r = await login(iamLoginData(alice, { role: 'team' }));
    assert.deepEqual(r.body, { errors: ['error validating X-Vault-AWS-IAM-Server-ID header: missing header "X-Vault-AWS-IAM-Server-ID"'] });
    r = await login(iamLoginData(alice, { role: 'team', serverId: 'other.example.com' }));
    assert.deepEqual(r.body, { errors: ['error validating X-Vault-AWS-IAM-Server-ID header: expected "coffer.example.com" but got "other.example.com"'] });
    // Added after signing: present and equal, but not covered by the signature.
    const data = iamLoginData(alice, { role: 'team' });
    const headers = JSON.parse(Buffer.from(data.iam_request_headers!, 'base64').toString());
    headers['X-Vault-AWS-IAM-Server-ID'] = ['coffer.example.com'];
    r = await login({ ...data, iam_request_headers: headers });
    assert.deepEqual(r.body, { errors: ["error validating X-Vault-AWS-IAM-Server-ID header: vault header wasn't signed"] });
    r = await login(iamLoginData(alice, { role: 'team', serverId: 'coffer.example.com' }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
  } finally {
    await coffer.api('POST', 'auth/aws/config/client', { iam_server_id_header_value: '' });
  }
});

test('iam login: config/identity chooses the alias and the metadata', async () => {
  await coffer.api('POST', 'auth/aws/config/identity', { iam_alias: 'full_arn', iam_metadata: 'canonical_arn,client_arn,client_user_id,auth_type' });
  try {
    const r = await login(iamLoginData(deploy, { role: 'deployer' }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const roleId = (await coffer.api('GET', 'auth/aws/role/deployer')).body.data.role_id;
    assert.deepEqual(r.body.auth.metadata, {
      role_id: roleId, canonical_arn: `arn:aws:iam::${ACCOUNT}:role/deployer`, client_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-42`,
      client_user_id: 'AROADEPLOY', auth_type: 'iam',
    });
    const entity = await coffer.api('GET', `identity/entity/id/${r.body.auth.entity_id}`);
    assert.equal(entity.status, 200, JSON.stringify(entity.body));
    assert.equal(entity.body.data.aliases[0].name, `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-42`);
  } finally {
    await coffer.api('POST', 'auth/aws/config/identity', { iam_alias: 'role_id', iam_metadata: 'default' });
  }
});

test('the secret key of config/client is never returned over HTTP nor written to the audit log', async () => {
  const r = await coffer.api('GET', 'auth/aws/config/client');
  assert.equal(r.status, 200);
  assert.equal(r.body.data.access_key, 'AKIDCOFFER');
  assert.ok(!JSON.stringify(r.body).includes('coffer-never-shows-this'));
  const audit = readFileSync(join(coffer.dataDir, 'audit.log'), 'utf8');
  assert.match(audit, /auth\/aws\/config\/client/);
  assert.ok(!audit.includes('coffer-never-shows-this'));
  // Login tokens are HMAC'd too.
  assert.ok(!/hvs\.[A-Za-z0-9]{24}/.test(audit));
});
