import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsAuthFactory } from '../../../src/auth/aws/backend.js';
import { CofferError } from '../../../src/lib/errors.js';
import { createTestBackend } from '../../support/backend.js';

async function refused(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CofferError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

const aws = () => createTestBackend(awsAuthFactory, { type: 'aws', path: 'auth/aws/' });

test("role: the seed's ec2 role is stored as written and reads back in Vault's shape", async () => {
  const b = await aws();
  const w = await b.call('create', 'role/kubernetes-master', { auth_type: 'ec2', bound_ec2_instance_id: 'i-0abc123', policies: 'kubernetes-master' });
  assert.equal(w?.warnings, undefined);
  const r = (await b.call('read', 'role/Kubernetes-Master'))!.data!;
  assert.equal(r.auth_type, 'ec2');
  assert.deepEqual(r.bound_ec2_instance_id, ['i-0abc123']);
  assert.deepEqual(r.token_policies, ['kubernetes-master']);
  assert.deepEqual(r.policies, ['kubernetes-master']);
  assert.match(String(r.role_id), /^[0-9a-f-]{36}$/);
  for (const k of ['bound_ami_id', 'bound_account_id', 'bound_iam_principal_arn', 'bound_iam_principal_id', 'bound_region', 'bound_vpc_id', 'bound_subnet_id', 'bound_iam_role_arn', 'bound_iam_instance_profile_arn']) {
    assert.deepEqual(r[k], [], k);
  }
  assert.equal(r.disallow_reauthentication, false);
  assert.equal(r.allow_instance_migration, false);
  assert.equal(r.resolve_aws_unique_ids, false);
  assert.deepEqual((await b.call('list', 'roles'))!.data, { keys: ['kubernetes-master'] });
  assert.deepEqual((await b.call('list', 'role'))!.data, { keys: ['kubernetes-master'] });
  // Updating keeps what was not sent; auth_type cannot change.
  await b.call('update', 'role/kubernetes-master', { bound_region: 'eu-central-1' });
  assert.deepEqual((await b.call('read', 'role/kubernetes-master'))!.data!.bound_ec2_instance_id, ['i-0abc123']);
  assert.deepEqual(await refused(b.call('update', 'role/kubernetes-master', { auth_type: 'iam' })), { status: 400, message: 'changing auth_type on a role is not allowed' });
  await b.call('delete', 'role/kubernetes-master');
  assert.equal(await b.call('read', 'role/kubernetes-master'), null);
});

test('role: auth_type defaults to iam on an aws mount, and Vault refuses bounds that do not fit it', async () => {
  const b = await aws();
  await b.call('create', 'role/dev', { bound_iam_principal_arn: 'arn:aws:iam::123456789012:role/dev', policies: 'dev' });
  assert.equal((await b.call('read', 'role/dev'))!.data!.auth_type, 'iam');
  const cases: [Record<string, unknown>, string][] = [
    [{ bound_ec2_instance_id: 'i-1' }, 'specified bound_ec2_instance_id but not specifying ec2 auth_type or inferring ec2_instance'],
    [{ bound_account_id: '1' }, 'specified bound_account_id but not specifying ec2 auth_type or inferring ec2_instance'],
    [{ auth_type: 'iam', bound_region: 'us-east-1' }, 'specified bound_region but not specifying ec2 auth_type'],
    [{ auth_type: 'ec2', bound_iam_principal_arn: 'arn:aws:iam::1:user/a' }, 'specified bound_iam_principal_arn but not specifying iam auth_type'],
    [{ auth_type: 'ec2' }, 'at least one bound parameter should be specified on the role'],
    [{ auth_type: 'aws' }, 'unrecognized auth_type: aws'],
    [{ auth_type: 'ec2', bound_ami_id: 'ami-1', inferred_entity_type: 'ec2_instance' }, "specified inferred_entity_type but didn't allow iam auth_type"],
    [{ bound_ami_id: 'ami-1', inferred_entity_type: 'lambda', inferred_aws_region: 'x' }, 'specified invalid inferred_entity_type: lambda'],
    [{ bound_ami_id: 'ami-1', inferred_entity_type: 'ec2_instance' }, 'specified inferred_entity_type but not inferred_aws_region'],
    [{ bound_iam_principal_arn: 'arn:aws:iam::1:user/a', inferred_aws_region: 'x' }, 'specified inferred_aws_region but not inferred_entity_type'],
    [{ bound_iam_principal_arn: 'arn:aws:iam::1:user/a', disallow_reauthentication: true }, 'specified disallow_reauthentication when not using ec2 auth type'],
    [{ bound_iam_principal_arn: 'arn:aws:iam::1:user/a', allow_instance_migration: true }, 'specified allow_instance_migration when not using ec2 auth type'],
    [{ auth_type: 'ec2', bound_ami_id: 'a', allow_instance_migration: true, disallow_reauthentication: true }, 'cannot specify both disallow_reauthentication=true and allow_instance_migration=true'],
    [{ bound_iam_principal_arn: 'arn:aws:iam::1:user/a', role_tag: 'VaultRole' }, 'tried to enable role_tag when not using ec2 auth method'],
    [{ auth_type: 'ec2', bound_ami_id: 'a', role_tag: 'x'.repeat(128) }, 'length of role tag exceeds the EC2 key limit of 127 characters'],
    [{ bound_iam_principal_arn: 'arn:aws:iam::1:user/a', resolve_aws_unique_ids: true }, 'unable to resolve ARN "arn:aws:iam::1:user/a" to internal ID: Coffer does not call the AWS IAM API; set resolve_aws_unique_ids=false (the ARN is then matched as given)'],
    [{ bound_iam_principal_arn: 'arn:aws:iam::1:user/a', token_type: 'nope' }, `invalid 'token_type' value "nope"`],
    [{ bound_iam_principal_arn: 'arn:aws:iam::1:user/a', ttl: 'soon' }, 'error converting input for field "ttl": invalid duration, got "soon"'],
  ];
  for (const [data, message] of cases) {
    const e = await refused(b.call('create', 'role/bad', data));
    assert.deepEqual(e, { status: 400, message }, JSON.stringify(data));
  }
  // Inferring an EC2 instance allows EC2 bounds on an iam role; a wildcard ARN needs no resolving.
  await b.call('create', 'role/inferred', { bound_ami_id: 'ami-1', inferred_entity_type: 'ec2_instance', inferred_aws_region: 'us-east-1' });
  await b.call('create', 'role/globbed', { bound_iam_principal_arn: 'arn:aws:iam::1:role/ops/*', resolve_aws_unique_ids: true });
  assert.deepEqual(await refused(b.call('update', 'role/globbed', { resolve_aws_unique_ids: false })), { status: 400, message: 'changing resolve_aws_unique_ids from true to false is not allowed' });
  const warn = await b.call('create', 'role/long', { bound_iam_principal_arn: 'arn:aws:iam::1:user/a', max_ttl: '10000h' });
  assert.deepEqual(warn?.warnings, ['Given max ttl of 36000000 seconds greater than current mount/system default of 2764800 seconds; max ttl will be capped at login time']);
});

test('config/client: the secret key is stored but never read back; endpoints must be URLs', async () => {
  const b = await aws();
  await b.call('create', 'config/client', { access_key: 'AKIDCOFFER', secret_key: 'very-secret-key', sts_endpoint: 'http://127.0.0.1:1', iam_server_id_header_value: 'coffer.example', allowed_sts_header_values: 'x-amz-user-agent' });
  const r = (await b.call('read', 'config/client'))!.data!;
  assert.equal(r.access_key, 'AKIDCOFFER');
  assert.equal(r.secret_key, undefined);
  assert.ok(!JSON.stringify(r).includes('very-secret-key'));
  assert.equal(r.sts_endpoint, 'http://127.0.0.1:1');
  assert.equal(r.max_retries, -1);
  assert.deepEqual(r.allowed_sts_header_values, ['X-Amz-User-Agent']);
  await b.call('update', 'config/client', { max_retries: 0 });
  assert.equal((await b.call('read', 'config/client'))!.data!.iam_server_id_header_value, 'coffer.example');
  assert.deepEqual(await refused(b.call('update', 'config/client', { sts_endpoint: 'not a url' })), { status: 400, message: 'invalid sts_endpoint "not a url": not a URL' });
  assert.deepEqual(await refused(b.call('update', 'config/client', { max_retries: 'many' })), { status: 400, message: 'error converting input for field "max_retries": expected an integer, got "many"' });
  await b.call('delete', 'config/client');
  assert.equal(await b.call('read', 'config/client'), null);
});

test('config/certificate: PEM or base64 PEM, pkcs7 or identity; bad input refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-aws-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=test'], { stdio: 'ignore' });
  const pem = readFileSync(join(dir, 'c.pem'), 'utf8');
  const b = await aws();
  await b.call('create', 'config/certificate/plain', { aws_public_cert: pem });
  await b.call('create', 'config/certificate/encoded', { aws_public_cert: Buffer.from(pem).toString('base64'), type: 'identity' });
  assert.deepEqual((await b.call('read', 'config/certificate/plain'))!.data, { aws_public_cert: pem, type: 'pkcs7' });
  assert.deepEqual((await b.call('read', 'config/certificate/encoded'))!.data, { aws_public_cert: pem, type: 'identity' });
  assert.deepEqual((await b.call('list', 'config/certificates'))!.data, { keys: ['encoded', 'plain'] });
  const cases: [Record<string, unknown>, string][] = [
    [{}, 'missing aws_public_cert'],
    [{ aws_public_cert: 'nope' }, 'invalid certificate; failed to decode and parse certificate'],
    [{ aws_public_cert: pem + pem }, 'invalid certificate; failed to decode and parse certificate'],
    [{ aws_public_cert: pem, type: 'rsa4096' }, 'invalid certificate type "rsa4096"'],
  ];
  for (const [data, message] of cases) assert.deepEqual(await refused(b.call('create', 'config/certificate/bad', data)), { status: 400, message });

  // AWS's published DSA certificate for PKCS#7 identity documents (the one EC2's documentation
  // lists), sent base64-encoded as Vault's own tests send it: accepted and read back as the PEM.
  const awsDsa = readFileSync(join(import.meta.dirname, 'testdata', 'aws-pkcs7-dsa.pem'), 'utf8');
  await b.call('create', 'config/certificate/aws-dsa', { aws_public_cert: Buffer.from(awsDsa).toString('base64') });
  assert.deepEqual((await b.call('read', 'config/certificate/aws-dsa'))!.data, { aws_public_cert: awsDsa, type: 'pkcs7' });
});

test("config/identity: Vault's defaults, allowed aliases and metadata choices", async () => {
  const b = await aws();
  assert.deepEqual((await b.call('read', 'config/identity'))!.data, { iam_alias: 'role_id', iam_metadata: ['account_id', 'auth_type'], ec2_alias: 'role_id', ec2_metadata: ['account_id', 'auth_type'] });
  await b.call('update', 'config/identity', { iam_alias: 'full_arn', iam_metadata: 'client_arn,canonical_arn', ec2_alias: 'instance_id' });
  assert.deepEqual((await b.call('read', 'config/identity'))!.data, { iam_alias: 'full_arn', iam_metadata: ['client_arn', 'canonical_arn'], ec2_alias: 'instance_id', ec2_metadata: ['account_id', 'auth_type'] });
  const cases: [Record<string, unknown>, string][] = [
    [{ iam_alias: 'instance_id' }, 'iam_alias of "instance_id" not in set of allowed values: [role_id unique_id full_arn]'],
    [{ ec2_alias: 'full_arn' }, 'ec2_alias of "full_arn" not in set of allowed values: [role_id instance_id image_id]'],
    [{ ec2_metadata: 'default,region' }, `"[default region]" contains default - default can't be used in combination with other fields`],
    [{ iam_metadata: 'ami_id' }, '"ami_id" contains an unavailable field, please select from "account_id, auth_type, canonical_arn, client_arn, client_user_id, inferred_aws_region, inferred_entity_id, inferred_entity_type"'],
  ];
  for (const [data, message] of cases) assert.deepEqual(await refused(b.call('update', 'config/identity', data)), { status: 400, message });
});
