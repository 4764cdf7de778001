/**
 * `coffer login -method=aws` as a shell user runs it (credentials from the environment or K=V),
 * against a real Coffer that forwards to the STS test server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStsTestServer, type StsTestServer } from '../../../src/auth/aws/testing/sts-server.js';
import { startCoffer, type TestCoffer } from '../../support/server.js';
import { seedShell, type SeedShell } from '../../seeds/shell.js';

let coffer: TestCoffer;
let sts: StsTestServer;
let sh: SeedShell;

before(async () => {
  sts = await startStsTestServer({
    AKIDDEV: { secretAccessKey: 'dev-secret-key-000', arn: 'arn:aws:iam::123456789012:user/dev', userId: 'AIDADEV', account: '123456789012' },
  });
  coffer = await startCoffer();
  sh = seedShell({ coffer, env: { STS: sts.url } });
  await sh.ok(`coffer auth enable aws
coffer write auth/aws/config/client sts_endpoint=$STS iam_server_id_header_value=coffer.test
coffer write auth/aws/role/dev bound_iam_principal_arn=arn:aws:iam::123456789012:user/dev policies=dev`);
});
after(async () => {
  await coffer.stop();
  await sts.close();
});

test('coffer login -method=aws: credentials from the environment, the server id header, a region', async () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIDDEV', AWS_SECRET_ACCESS_KEY: 'dev-secret-key-000' };
  const out = await sh.ok('coffer login -method=aws -format=json -no-store role=dev header_value=coffer.test', { env });
  const auth = JSON.parse(out).auth;
  assert.match(auth.client_token, /^hvs\./);
  assert.deepEqual(auth.policies, ['default', 'dev']);
  assert.equal(auth.metadata.auth_type, 'iam');
  // Signed for eu-west-1's regional endpoint: Coffer still forwards to its configured STS.
  const regional = await sh.ok('coffer login -method=aws -token-only -no-store role=dev header_value=coffer.test region=eu-west-1', { env });
  assert.match(regional.trim(), /^hvs\./);
  assert.equal(sts.requests.at(-1)!.host, 'sts.eu-west-1.amazonaws.com');

  const noHeader = await sh.run('coffer login -method=aws -no-store role=dev', { env });
  assert.equal(noHeader.code, 2);
  assert.match(noHeader.stderr, /error validating X-Vault-AWS-IAM-Server-ID header: missing header "X-Vault-AWS-IAM-Server-ID"/);
  const wrongKey = await sh.run('coffer login -method=aws -no-store role=dev header_value=coffer.test aws_access_key_id=AKIDDEV aws_secret_access_key=guess');
  assert.equal(wrongKey.code, 2);
  assert.match(wrongKey.stderr, /SignatureDoesNotMatch/);
  assert.ok(!wrongKey.stderr.includes('guess'), 'the secret key is not echoed');
  const none = await sh.run('coffer login -method=aws -no-store role=dev');
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /could not find AWS credentials/);
});
