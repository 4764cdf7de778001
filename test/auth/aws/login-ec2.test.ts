/**
 * The ec2 login over HTTP against a real Coffer: identity documents signed with openssl by test
 * certificates registered through config/certificate, the seed's role, nonces and the identity
 * access list.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { identityDocument, makeEc2Fixture, type Ec2Fixture } from './ec2-fixture.js';

let coffer: TestCoffer;
let fx: Ec2Fixture;

before(async () => {
  fx = makeEc2Fixture();
  coffer = await startCoffer();
  assert.equal((await coffer.api('POST', 'sys/auth/aws', { type: 'aws' })).status, 204);
  assert.equal((await coffer.api('POST', 'auth/aws/config/certificate/aws-dsa', { aws_public_cert: fx.pkcs7Cert })).status, 204);
  assert.equal((await coffer.api('POST', 'auth/aws/config/certificate/aws-rsa', { aws_public_cert: Buffer.from(fx.identityCert).toString('base64'), type: 'identity' })).status, 204);
});
after(async () => {
  await coffer.stop();
});

const login = (data: Record<string, unknown>, mount = 'aws') => coffer.api('POST', `auth/${mount}/login`, data, '');
const role = async (name: string, data: Record<string, unknown>) => {
  const r = await coffer.api('POST', `auth/aws/role/${name}`, data);
  assert.ok(r.status === 204 || r.status === 200, JSON.stringify(r.body));
};

test("ec2 login: the seed's role, a signed pkcs7 document, a nonce for next time, then reauthentication", async () => {
  await role('kubernetes-master', { auth_type: 'ec2', bound_ec2_instance_id: 'i-0123456789abcdef0', policies: 'kubernetes-master' });
  const pkcs7 = fx.pkcs7(identityDocument());
  let r = await login({ role: 'kubernetes-master', pkcs7 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const auth = r.body.auth;
  assert.deepEqual(auth.policies, ['default', 'kubernetes-master']);
  const { nonce, ...rest } = auth.metadata;
  assert.match(nonce, /^[0-9a-f-]{36}$/);
  assert.deepEqual(rest, { role_tag_max_ttl: '0s', role: 'kubernetes-master', account_id: '123456789012', auth_type: 'ec2' });
  const entry = await coffer.api('GET', 'auth/aws/identity-accesslist/i-0123456789abcdef0');
  assert.equal(entry.body.data.role, 'kubernetes-master');
  assert.equal(entry.body.data.client_nonce, nonce);
  assert.equal(entry.body.data.pending_time, '2026-12-01T08:00:00Z');
  assert.deepEqual((await coffer.api('LIST', 'auth/aws/identity-whitelist')).body.data.keys, ['i-0123456789abcdef0']);

  // Another login from the instance must bring the nonce.
  r = await login({ role: 'kubernetes-master', pkcs7 });
  assert.deepEqual([r.status, r.body], [400, { errors: ['client nonce mismatch'] }]);
  r = await login({ role: 'kubernetes-master', pkcs7, nonce: 'guess' });
  assert.deepEqual([r.status, r.body], [400, { errors: ['client nonce mismatch'] }]);
  r = await login({ role: 'kubernetes-master', pkcs7, nonce });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.auth.metadata.nonce, undefined, 'a client-supplied nonce is not echoed');
  // An older document is refused even with the nonce.
  r = await login({ role: 'kubernetes-master', pkcs7: fx.pkcs7(identityDocument({ pendingTime: '2026-11-01T08:00:00Z' })), nonce });
  assert.deepEqual(r.body, { errors: ['instance meta-data is older than the one used for previous login'] });

  // Renewal checks the access list entry and the role.
  const renew = await coffer.api('POST', 'auth/token/renew-self', {}, auth.client_token);
  assert.equal(renew.status, 200, JSON.stringify(renew.body));

  // The operator clears the entry: the instance may start afresh.
  assert.equal((await coffer.api('DELETE', 'auth/aws/identity-accesslist/i-0123456789abcdef0')).status, 204);
  r = await login({ role: 'kubernetes-master', pkcs7 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('ec2 login: tampered, unsigned or foreign documents are refused', async () => {
  await role('any-in-account', { auth_type: 'ec2', bound_account_id: '123456789012', policies: 'p' });
  const doc = identityDocument({ instanceId: 'i-tamper' });
  const pkcs7 = fx.pkcs7(doc);
  // Flip one character of the embedded JSON: the digest no longer matches.
  const der = Buffer.from(pkcs7, 'base64');
  const at = der.indexOf('i-tamper');
  der[at + 2] = 'X'.charCodeAt(0);
  let r = await login({ role: 'any-in-account', pkcs7: der.toString('base64') });
  assert.deepEqual([r.status, r.body], [400, { errors: ['failed to verify the signature: message digest mismatch'] }]);
  r = await login({ role: 'any-in-account', pkcs7: fx.pkcs7(doc, 'stranger') });
  assert.deepEqual([r.status, r.body], [400, { errors: ['failed to verify the signature: no registered certificate verifies the signature'] }]);
  r = await login({ role: 'any-in-account', pkcs7: 'bm90IGEgcGtjczc=' });
  assert.deepEqual([r.status, r.body], [400, { errors: ['failed to parse the BER encoded PKCS#7 signature'] }]);
  r = await login({ role: 'any-in-account', pkcs7: '<xml/>' });
  assert.deepEqual([r.status, r.body], [400, { errors: ['failed to decode the PEM encoded PKCS#7 signature'] }]);
  // The identity + signature pair: the RSA "identity" certificate verifies it; a changed document does not verify.
  const pair = fx.identity(identityDocument({ instanceId: 'i-pair' }));
  r = await login({ role: 'any-in-account', ...pair });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const forged = Buffer.from(JSON.stringify(identityDocument({ instanceId: 'i-pair', accountId: '999999999999' }), null, 2)).toString('base64');
  r = await login({ role: 'any-in-account', identity: forged, signature: pair.signature });
  assert.deepEqual([r.status, r.body], [400, { errors: ['instance identity verification using SHA256 RSA signature is unsuccessful'] }]);
  r = await login({ role: 'any-in-account', identity: pair.identity });
  assert.deepEqual(r.body, { errors: ['supplied some of the auth values for the ec2 auth type but not all'] });
  // A mount with no certificate registered cannot verify anything (Coffer ships none).
  await coffer.api('POST', 'sys/auth/aws-empty', { type: 'aws' });
  await coffer.api('POST', 'auth/aws-empty/role/any', { auth_type: 'ec2', bound_account_id: '123456789012' });
  r = await login({ role: 'any', pkcs7: fx.pkcs7(doc) }, 'aws-empty');
  assert.deepEqual([r.status, r.body], [400, { errors: ['certificates to verify the signature are not found'] }]);
});

test("ec2 login: the role's bounds (instance, account, region, AMI) and the ones that need the EC2 API", async () => {
  await role('bound', { auth_type: 'ec2', bound_account_id: '123456789012', bound_region: 'eu-central-1', bound_ami_id: 'ami-0abcdef1234567890', bound_ec2_instance_id: 'i-good' });
  const cases: [Record<string, string>, number, string?][] = [
    [{ instanceId: 'i-good' }, 200],
    [{ instanceId: 'i-other' }, 400, 'Error validating instance: instance ID "i-other" does not belong to the role "bound"'],
    [{ instanceId: 'i-good', accountId: '999999999999' }, 400, 'Error validating instance: account ID "999999999999" does not belong to role "bound"'],
    [{ instanceId: 'i-good', region: 'us-east-1' }, 400, 'Region "us-east-1" does not satisfy the constraint on role "bound"'],
    [{ instanceId: 'i-good', imageId: 'ami-evil' }, 400, 'Error validating instance: AMI ID "ami-evil" does not belong to role "bound"'],
  ];
  for (const [over, status, message] of cases) {
    const r = await login({ role: 'bound', pkcs7: fx.pkcs7(identityDocument(over)), nonce: `n-${over.instanceId}-${status}` });
    assert.equal(r.status, status, JSON.stringify([over, r.body]));
    if (message) assert.deepEqual(r.body, { errors: [message] });
  }
  await role('in-vpc', { auth_type: 'ec2', bound_vpc_id: 'vpc-1' });
  let r = await login({ role: 'in-vpc', pkcs7: fx.pkcs7(identityDocument({ instanceId: 'i-vpc' })) });
  assert.deepEqual(r.body, { errors: ['Error validating instance: bound_vpc_id needs the instance\'s description from the EC2 API (DescribeInstances); configure AWS credentials with config/client to use it on role "in-vpc"'] });
  // Without "role", the role named after the AMI is used.
  await role('ami-0abcdef1234567890', { auth_type: 'ec2', bound_ami_id: 'ami-0abcdef1234567890', policies: 'by-ami' });
  r = await login({ pkcs7: fx.pkcs7(identityDocument({ instanceId: 'i-by-ami' })) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.auth.policies, ['by-ami', 'default']);
  r = await login({ role: 'nope', pkcs7: fx.pkcs7(identityDocument()) });
  assert.deepEqual(r.body, { errors: ['entry for role "nope" not found'] });
  await role('iam-only', { bound_iam_principal_arn: 'arn:aws:iam::123456789012:user/x' });
  r = await login({ role: 'iam-only', pkcs7: fx.pkcs7(identityDocument()) });
  assert.deepEqual(r.body, { errors: ['auth method ec2 not allowed for role iam-only'] });
});

test('ec2 login: disallow_reauthentication, an empty nonce, and allow_instance_migration', async () => {
  await role('once', { auth_type: 'ec2', bound_account_id: '123456789012', disallow_reauthentication: true });
  const first = fx.pkcs7(identityDocument({ instanceId: 'i-once' }));
  let r = await login({ role: 'once', pkcs7: first });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.auth.metadata.nonce, undefined);
  assert.equal((await coffer.api('GET', 'auth/aws/identity-accesslist/i-once')).body.data.disallow_reauthentication, true);
  r = await login({ role: 'once', pkcs7: first });
  assert.deepEqual(r.body, { errors: ['reauthentication is disabled'] });

  await role('migrating', { auth_type: 'ec2', bound_account_id: '123456789012', allow_instance_migration: true });
  r = await login({ role: 'migrating', pkcs7: fx.pkcs7(identityDocument({ instanceId: 'i-empty' })), nonce: '' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await login({ role: 'migrating', pkcs7: fx.pkcs7(identityDocument({ instanceId: 'i-empty' })), nonce: '' });
  assert.deepEqual(r.body, { errors: ['reauthentication is disabled'] });

  r = await login({ role: 'migrating', pkcs7: fx.pkcs7(identityDocument({ instanceId: 'i-move' })) });
  assert.equal(r.status, 200);
  // The instance moved host (new pendingTime) and lost its nonce: allowed by the role.
  r = await login({ role: 'migrating', pkcs7: fx.pkcs7(identityDocument({ instanceId: 'i-move', pendingTime: '2026-12-05T08:00:00Z' })) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await login({ role: 'migrating', pkcs7: fx.pkcs7(identityDocument({ instanceId: 'i-move', pendingTime: '2026-12-05T08:00:00Z' })), nonce: 'stale' });
  assert.deepEqual(r.body, { errors: ['client nonce mismatch and instance meta-data incorrect'] });
});

test('ec2 login: simultaneous first logins from one instance: exactly one gets a token', async () => {
  await role('race', { auth_type: 'ec2', bound_account_id: '123456789012' });
  const pkcs7 = fx.pkcs7(identityDocument({ instanceId: 'i-race' }));
  const answers = await Promise.all(Array.from({ length: 5 }, () => login({ role: 'race', pkcs7 })));
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400, 400, 400, 400]);
  for (const a of answers.filter((x) => x.status === 400)) assert.deepEqual(a.body, { errors: ['client nonce mismatch'] });
});

test('tidy/identity-accesslist keeps live entries', async () => {
  const before = (await coffer.api('LIST', 'auth/aws/identity-accesslist')).body.data.keys;
  const r = await coffer.api('POST', 'auth/aws/tidy/identity-accesslist', { safety_buffer: '1h' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.deepEqual((await coffer.api('LIST', 'auth/aws/identity-accesslist')).body.data.keys, before);
});
