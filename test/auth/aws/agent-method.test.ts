/**
 * The agent's aws auto-auth method: ec2 from a metadata service (the IMDS test server) with a
 * nonce kept across re-authentications, iam signed for the STS test server; each login request
 * it builds is sent to a real Coffer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsAgentMethod } from '../../../src/auth/aws/agent-method.js';
import { startImdsTestServer, type ImdsTestServer } from '../../../src/auth/aws/testing/imds-server.js';
import { startStsTestServer, type StsTestServer } from '../../../src/auth/aws/testing/sts-server.js';
import { createAuthMethod } from '../../../src/agent/auth/methods.js';
import type { MethodConfig } from '../../../src/agent/config.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { identityDocument, makeEc2Fixture } from './ec2-fixture.js';

let coffer: TestCoffer;
let imds: ImdsTestServer;
let sts: StsTestServer;

const method = (config: Record<string, unknown>): MethodConfig => ({ type: 'aws', mountPath: 'auth/aws', minBackoff: 1, maxBackoff: 1, exitOnErr: false, config });

before(async () => {
  const fx = makeEc2Fixture();
  const document = JSON.stringify(identityDocument({ instanceId: 'i-agent' }));
  imds = await startImdsTestServer({ document, pkcs7: fx.pkcs7(JSON.parse(document)) });
  sts = await startStsTestServer({ AKIDAGENT: { secretAccessKey: 'agent-secret', arn: 'arn:aws:iam::123456789012:user/agent', userId: 'AIDAAGENT', account: '123456789012' } });
  coffer = await startCoffer();
  await coffer.api('POST', 'sys/auth/aws', { type: 'aws' });
  await coffer.api('POST', 'auth/aws/config/certificate/aws', { aws_public_cert: fx.pkcs7Cert });
  await coffer.api('POST', 'auth/aws/config/client', { sts_endpoint: sts.url, max_retries: 0 });
  await coffer.api('POST', 'auth/aws/role/node', { auth_type: 'ec2', bound_ec2_instance_id: 'i-agent', policies: 'node' });
  await coffer.api('POST', 'auth/aws/role/agent', { bound_iam_principal_arn: 'arn:aws:iam::123456789012:user/agent', policies: 'agent' });
});
after(async () => {
  await coffer.stop();
  await imds.close();
  await sts.close();
});

async function loginWith(m: AwsAgentMethod) {
  const c = await m.credentials();
  assert.equal(c.kind, 'login');
  if (c.kind !== 'login') throw new Error('unreachable');
  assert.equal(c.path, 'auth/aws/login');
  return coffer.api('POST', c.path, c.body, '');
}

test('agent aws method, ec2: the pkcs7 document from the metadata service, and the same nonce on re-authentication', async () => {
  assert.ok(createAuthMethod(method({ type: 'ec2', role: 'node' })) instanceof AwsAgentMethod);
  const m = new AwsAgentMethod(method({ type: 'ec2', role: 'node' }), { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
  let r = await loginWith(m);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.auth.policies, ['default', 'node']);
  r = await loginWith(m);
  assert.equal(r.status, 200, 're-authentication with the kept nonce');
  // Another agent on the same instance (another nonce) is refused.
  r = await loginWith(new AwsAgentMethod(method({ type: 'ec2', role: 'node' }), { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }));
  assert.deepEqual(r.body, { errors: ['client nonce mismatch'] });
});

test('agent aws method, iam: credentials from the config or the environment', async () => {
  let r = await loginWith(new AwsAgentMethod(method({ type: 'iam', role: 'agent', access_key: 'AKIDAGENT', secret_key: 'agent-secret' }), {}));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await loginWith(new AwsAgentMethod(method({ type: 'iam' }), { AWS_ACCESS_KEY_ID: 'AKIDAGENT', AWS_SECRET_ACCESS_KEY: 'agent-secret' }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.auth.policies, ['agent', 'default']);
  await assert.rejects(new AwsAgentMethod(method({ type: 'iam' }), {}).credentials(), /could not find AWS credentials/);
  assert.throws(() => new AwsAgentMethod(method({ type: 'lambda' })), /unknown type "lambda": must be "iam" or "ec2"/);
});
