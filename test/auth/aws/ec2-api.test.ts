/**
 * With AWS credentials configured, logins also ask the EC2 API (DescribeInstances, SigV4-signed,
 * here the EC2 test server): the instance must be running, and VPC, subnet and instance profile
 * bounds are checked, for ec2 logins and for iam logins inferring an EC2 instance.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { iamLoginData } from '../../../src/auth/aws/client-login.js';
import { startEc2TestServer, type Ec2TestServer, type TestInstance } from '../../../src/auth/aws/testing/ec2-server.js';
import { startStsTestServer, type StsTestServer } from '../../../src/auth/aws/testing/sts-server.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { identityDocument, makeEc2Fixture, type Ec2Fixture } from './ec2-fixture.js';

const ACCOUNT = '123456789012';
const PROFILE = `arn:aws:iam::${ACCOUNT}:instance-profile/web/web-profile`;
let coffer: TestCoffer;
let ec2: Ec2TestServer;
let instances: Record<string, TestInstance>;
let sts: StsTestServer;
let fx: Ec2Fixture;
const session = { accessKeyId: 'ASIAWEB', secretAccessKey: 'web-session-secret', sessionToken: 'tok' };

before(async () => {
  fx = makeEc2Fixture();
  ec2 = await startEc2TestServer({ AKIDCOFFER: { secretAccessKey: 'coffer-ec2-secret' } }, instances = {
    'i-web': { imageId: 'ami-web', subnetId: 'subnet-a', vpcId: 'vpc-good', iamInstanceProfileArn: PROFILE },
    'i-elsewhere': { imageId: 'ami-web', subnetId: 'subnet-z', vpcId: 'vpc-other', iamInstanceProfileArn: PROFILE },
    'i-stopped': { imageId: 'ami-web', subnetId: 'subnet-a', vpcId: 'vpc-good', state: 'stopped' },
    'i-rebuilt': { imageId: 'ami-new', subnetId: 'subnet-a', vpcId: 'vpc-good', iamInstanceProfileArn: PROFILE },
    'i-tagged': { imageId: 'ami-web', tags: {} },
    'i-untagged': { imageId: 'ami-web', tags: { Name: 'web' } },
  });
  sts = await startStsTestServer({
    ASIAWEB: { secretAccessKey: session.secretAccessKey, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/web-role/i-web`, userId: 'AROAWEB:i-web', account: ACCOUNT },
    ASIAELSE: { secretAccessKey: session.secretAccessKey, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/web-role/i-elsewhere`, userId: 'AROAWEB:i-elsewhere', account: ACCOUNT },
  });
  coffer = await startCoffer();
  await coffer.api('POST', 'sys/auth/aws', { type: 'aws' });
  await coffer.api('POST', 'auth/aws/config/certificate/aws', { aws_public_cert: fx.pkcs7Cert });
  const cfg = await coffer.api('POST', 'auth/aws/config/client', { access_key: 'AKIDCOFFER', secret_key: 'coffer-ec2-secret', endpoint: ec2.url, sts_endpoint: sts.url, max_retries: 0 });
  assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
  const role = await coffer.api('POST', 'auth/aws/role/web', {
    auth_type: 'ec2', bound_vpc_id: 'vpc-good', bound_subnet_id: 'subnet-a,subnet-b', bound_iam_instance_profile_arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web/`,
    bound_ami_id: 'ami-web', policies: 'web',
  });
  assert.equal(role.status, 204, JSON.stringify(role.body));
});
after(async () => {
  await coffer.stop();
  await ec2.close();
  await sts.close();
});

const login = (data: Record<string, unknown>) => coffer.api('POST', 'auth/aws/login', data, '');
const pkcs7 = (instanceId: string) => fx.pkcs7(identityDocument({ instanceId, imageId: 'ami-web' }));

test('ec2 login with the EC2 API: a running instance in the bound VPC, subnet and instance profile', async () => {
  const before = ec2.requests;
  const r = await login({ role: 'web', pkcs7: pkcs7('i-web') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.auth.policies, ['default', 'web']);
  assert.equal(ec2.requests, before + 1, 'DescribeInstances was asked');
});

test('ec2 login with the EC2 API: what DescribeInstances says decides', async () => {
  const cases: [string, string][] = [
    ['i-elsewhere', 'Error validating instance: subnet ID "subnet-z" does not satisfy the constraint on role "web"'],
    ['i-stopped', "failed to verify instance ID: instance is not in 'running' state"],
    ['i-ghost', `failed to verify instance ID: error fetching description for instance ID "i-ghost": 400 InvalidInstanceID.NotFound: The instance ID 'i-ghost' does not exist`],
    // The document says ami-web; the instance now runs ami-new (Vault trusts the API here).
    ['i-rebuilt', 'Error validating instance: AMI ID "ami-new" does not belong to role "web"'],
  ];
  for (const [id, message] of cases) {
    const r = await login({ role: 'web', pkcs7: pkcs7(id) });
    assert.deepEqual([r.status, r.body], [400, { errors: [message] }], id);
  }
  await coffer.api('POST', 'auth/aws/config/client', { secret_key: 'wrong' });
  try {
    const r = await login({ role: 'web', pkcs7: pkcs7('i-web') });
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0], /^failed to verify instance ID: error fetching description for instance ID "i-web": 403 SignatureDoesNotMatch: /);
  } finally {
    await coffer.api('POST', 'auth/aws/config/client', { secret_key: 'coffer-ec2-secret' });
  }
});

test('iam login inferring ec2_instance: the session name is the instance, checked with DescribeInstances', async () => {
  const role = await coffer.api('POST', 'auth/aws/role/web-role', {
    bound_iam_principal_arn: `arn:aws:iam::${ACCOUNT}:role/web-role`, inferred_entity_type: 'ec2_instance', inferred_aws_region: 'eu-central-1',
    bound_vpc_id: 'vpc-good', policies: 'web',
  });
  assert.equal(role.status, 204, JSON.stringify(role.body));
  await coffer.api('POST', 'auth/aws/config/identity', { iam_metadata: 'auth_type,inferred_entity_type,inferred_entity_id,inferred_aws_region' });
  let r = await login(iamLoginData(session, { role: 'web-role' }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual({ ...r.body.auth.metadata, role_id: undefined }, {
    role_id: undefined, auth_type: 'iam', inferred_entity_type: 'ec2_instance', inferred_entity_id: 'i-web', inferred_aws_region: 'eu-central-1',
  });
  r = await login(iamLoginData({ ...session, accessKeyId: 'ASIAELSE' }, { role: 'web-role' }));
  assert.deepEqual([r.status, r.body], [400, { errors: ['error validating instance: VPC ID "vpc-other" does not satisfy the constraint on role "web-role"'] }]);

  // Without AWS credentials there is no EC2 API: the login says so instead of passing.
  await coffer.api('POST', 'auth/aws/config/client', { access_key: '', secret_key: '' });
  try {
    r = await login(iamLoginData(session, { role: 'web-role' }));
    assert.deepEqual(r.body, { errors: ['failed to verify i-web as a valid EC2 instance in region eu-central-1: inferring an EC2 instance needs the EC2 API (DescribeInstances); configure AWS credentials with config/client'] });
    r = await login({ role: 'web', pkcs7: pkcs7('i-web') });
    assert.deepEqual(r.body, { errors: ['Error validating instance: bound_subnet_id needs the instance\'s description from the EC2 API (DescribeInstances); configure AWS credentials with config/client to use it on role "web"'] });
  } finally {
    await coffer.api('POST', 'auth/aws/config/client', { access_key: 'AKIDCOFFER', secret_key: 'coffer-ec2-secret' });
  }
});

test('role tags: minted by role/:role/tag, read from the instance, verified, narrowed, deny-listed', async () => {
  await coffer.api('POST', 'auth/aws/role/tagged', { auth_type: 'ec2', bound_account_id: ACCOUNT, role_tag: 'VaultRole', policies: 'web,ops' });
  const minted = await coffer.api('POST', 'auth/aws/role/tagged/tag', { policies: 'web', instance_id: 'i-tagged', max_ttl: '5m' });
  assert.equal(minted.status, 200, JSON.stringify(minted.body));
  assert.equal(minted.body.data.tag_key, 'VaultRole');
  const value: string = minted.body.data.tag_value;
  assert.match(value, /^v1:[A-Za-z0-9+/=]{12}:r=tagged:d=false:m=false:p=web:i=i-tagged:t=300:[A-Za-z0-9+/]{43}=$/);
  instances['i-tagged']!.tags = { VaultRole: value };

  let r = await login({ role: 'tagged', pkcs7: pkcs7('i-tagged'), nonce: 'tag-nonce' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.auth.policies, ['default', 'web'], 'the tag narrows the role\'s policies');
  assert.equal(r.body.auth.metadata.role_tag_max_ttl, '5m0s');
  assert.equal(r.body.auth.lease_duration, 300);

  r = await login({ role: 'tagged', pkcs7: pkcs7('i-untagged') });
  assert.deepEqual(r.body, { errors: ['failed to fetch and verify the role tag: missing tag with key "VaultRole" on the instance'] });
  instances['i-untagged']!.tags = { VaultRole: value };
  r = await login({ role: 'tagged', pkcs7: pkcs7('i-untagged') });
  assert.deepEqual(r.body, { errors: ['failed to fetch and verify the role tag: role tag is being used by an unauthorized instance'] });
  instances['i-untagged']!.tags = { VaultRole: value.replace(':p=web:', ':p=ops:') };
  r = await login({ role: 'tagged', pkcs7: pkcs7('i-untagged') });
  assert.deepEqual(r.body, { errors: ['failed to fetch and verify the role tag: role tag signature verification failed'] });

  // Deny-listing the tag (given base64-encoded, as Vault accepts) stops its logins.
  assert.equal((await coffer.api('POST', `auth/aws/roletag-denylist/${Buffer.from(value).toString('base64')}`, {})).status, 204);
  assert.deepEqual((await coffer.api('LIST', 'auth/aws/roletag-denylist')).body.data.keys, [value]);
  assert.match((await coffer.api('GET', `auth/aws/roletag-denylist/${encodeURIComponent(value)}`)).body.data.expiration_time, /^\d{4}-/);
  r = await login({ role: 'tagged', pkcs7: pkcs7('i-tagged'), nonce: 'tag-nonce' });
  assert.deepEqual(r.body, { errors: ['failed to fetch and verify the role tag: role tag is deny listed'] });
  assert.equal((await coffer.api('POST', 'auth/aws/tidy/roletag-denylist', {})).status, 202);
  assert.equal((await coffer.api('LIST', 'auth/aws/roletag-blacklist')).body.data.keys.length, 1, 'not expired yet');
  assert.equal((await coffer.api('DELETE', `auth/aws/roletag-denylist/${encodeURIComponent(value)}`)).status, 204);
  r = await login({ role: 'tagged', pkcs7: pkcs7('i-tagged'), nonce: 'tag-nonce' });
  assert.equal(r.status, 200, JSON.stringify(r.body));

  const cases: [string, Record<string, unknown>, string][] = [
    ['web', {}, 'tag creation is not enabled for this role'],
    ['nope', {}, 'entry not found for role nope'],
    ['tagged', { allow_instance_migration: true, disallow_reauthentication: true }, 'cannot set both disallow_reauthentication and allow_instance_migration'],
  ];
  for (const [roleName, data, message] of cases) {
    const e = await coffer.api('POST', `auth/aws/role/${roleName}/tag`, data);
    assert.deepEqual([e.status, e.body], [400, { errors: [message] }], message);
  }
  const warned = await coffer.api('POST', 'auth/aws/role/tagged/tag', { policies: 'root' });
  assert.deepEqual(warned.body.warnings, ['Policies on the tag are not a subset of the policies set on the role. Login will not be allowed with this tag unless the role policies are updated.']);
  assert.equal((await coffer.api('GET', 'auth/aws/role/tagged')).body.data.hmac_key, undefined, 'the HMAC key is never read back');
});
