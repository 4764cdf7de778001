import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalArn, knownFullArn, parseIamArn } from '../../../src/auth/aws/arn.js';
import { parseAuthorization, signRequest, signingKey } from '../../../src/auth/aws/sigv4.js';
import { checkRequestBody, parseCallerIdentity, parseHeaderField } from '../../../src/auth/aws/sts.js';

test("sigv4: AWS's published example (IAM ListUsers, 2015-08-30) signs to AWS's published signature", () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  assert.equal(signingKey(secret, '20150830', 'us-east-1', 'iam').toString('hex'), 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  const headers = signRequest({
    method: 'GET', url: 'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: '',
    region: 'us-east-1', service: 'iam', date: new Date('2015-08-30T12:36:00Z'),
  }, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret });
  assert.equal(headers['X-Amz-Date'], '20150830T123600Z');
  assert.equal(headers.Authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  assert.deepEqual(parseAuthorization(headers.Authorization!), {
    accessKeyId: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'iam',
    signedHeaders: ['content-type', 'host', 'x-amz-date'], signature: '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
  });
  assert.equal(parseAuthorization('AWS4-HMAC-SHA256 Credential=x'), undefined);
});

test('arn: principals, assumed roles and their canonical form; Vault\'s refusals', () => {
  const cases: [string, string, string][] = [
    ['arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/alice'],
    ['arn:aws:iam::123456789012:user/team/a/alice', 'arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/team/a/alice'],
    ['arn:aws:sts::123456789012:assumed-role/deployer/ci-42', 'arn:aws:iam::123456789012:role/deployer', 'arn:aws:iam::123456789012:role/deployer'],
    ['arn:aws-cn:iam::123456789012:role/x/y', 'arn:aws-cn:iam::123456789012:role/y', 'arn:aws-cn:iam::123456789012:role/x/y'],
  ];
  for (const [arn, canonical, full] of cases) {
    const e = parseIamArn(arn);
    assert.equal(canonicalArn(e), canonical, arn);
    assert.equal(knownFullArn(e), full, arn);
  }
  assert.equal(parseIamArn('arn:aws:sts::1:assumed-role/deployer/ci-42').sessionInfo, 'ci-42');
  const bad: [string, string][] = [
    ['arn:aws:iam::1', 'unrecognized arn: contains 5 colon-separated parts, expected 6'],
    ['nra:aws:iam::1:user/a', 'unrecognized arn: does not begin with "arn:"'],
    ['arn:aws:s3::1:user/a', 'unrecognized service: s3, not one of iam or sts'],
    ['arn:aws:iam::1:user', 'unrecognized arn: "user" contains fewer than 2 slash-separated parts'],
    ['arn:aws:iam::1:group/a', 'unrecognized principal type: "group"'],
    ['arn:aws:sts::1:assumed-role/a', 'unrecognized arn: "assumed-role/a" contains fewer than 3 slash-separated parts'],
  ];
  for (const [arn, message] of bad) assert.throws(() => parseIamArn(arn), { message });
});

test('sts: the GetCallerIdentity answer, the body check and the header field forms', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/a&amp;b</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>x</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;
  assert.deepEqual(parseCallerIdentity(xml), { arn: 'arn:aws:iam::123456789012:user/a&b', userId: 'AIDAEXAMPLE', account: '123456789012' });
  assert.throws(() => parseCallerIdentity('{"Arn":"x"}'), { message: 'body of GetCallerIdentity is invalid' });
  assert.throws(() => parseCallerIdentity('<?xml version="1.0"?><ErrorResponse/>'), { message: 'error parsing STS response' });

  checkRequestBody('Action=GetCallerIdentity&Version=2011-06-15');
  checkRequestBody('Action=GetCallerIdentity');
  for (const body of ['Action=AssumeRole', 'Action=GetCallerIdentity&Action=GetCallerIdentity', 'Action=GetCallerIdentity&Foo=1']) {
    assert.throws(() => checkRequestBody(body), { message: 'iam request body is invalid' }, body);
  }

  const expected = { 'X-Amz-Date': ['20260101T000000Z'], Authorization: ['AWS4…'] };
  const json = JSON.stringify({ 'x-amz-date': '20260101T000000Z', Authorization: ['AWS4…'] });
  assert.deepEqual(parseHeaderField(JSON.parse(json)), expected);
  assert.deepEqual(parseHeaderField(json), expected);
  assert.deepEqual(parseHeaderField(Buffer.from(json).toString('base64')), expected);
  assert.throws(() => parseHeaderField([1, 2]), { message: 'error converting input for field "iam_request_headers": expected a map of header names to values' });
  assert.throws(() => parseHeaderField({ a: { b: 1 } }), { message: 'error converting input for field "iam_request_headers": header "a" must be a string or a list of strings' });
});
