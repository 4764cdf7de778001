/**
 * The `aws` auth method (Vault's API): EC2 instances log in with their signed instance identity
 * document (ec2 type), AWS principals with a signed sts:GetCallerIdentity request (iam type).
 * What needs the EC2 or IAM APIs is refused clearly rather than skipped (docs/aws-auth.md).
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { accessListPaths } from './accesslist.js';
import { configCertificatePaths } from './config-certificate.js';
import { configClientPath } from './config-client.js';
import { configIdentityPath } from './config-identity.js';
import { ec2Login, ec2Renew } from './login-ec2.js';
import { iamLogin, iamRenew } from './login-iam.js';
import { rolePaths } from './role.js';
import { roleTagPaths } from './role-tag.js';

const EC2_FIELDS = ['pkcs7', 'identity', 'signature'];
const IAM_FIELDS = ['iam_http_request_method', 'iam_request_url', 'iam_request_body', 'iam_request_headers'];

/** Which login type the client's fields ask for, with Vault's refusals for mixed or partial input. */
export function loginType(d: FieldData): 'ec2' | 'iam' {
  const has = (f: string) => d.has(f);
  const anyEc2 = EC2_FIELDS.some(has);
  const allEc2 = has('pkcs7') || (has('identity') && has('signature'));
  const anyIam = IAM_FIELDS.some(has);
  const allIam = IAM_FIELDS.every(has);
  if (anyEc2 && anyIam) throw badRequest('supplied auth values for both ec2 and iam auth types');
  if (anyEc2 && !allEc2) throw badRequest('supplied some of the auth values for the ec2 auth type but not all');
  if (anyEc2) return 'ec2';
  if (anyIam && !allIam) throw badRequest('supplied some of the auth values for the iam auth type but not all');
  if (anyIam) return 'iam';
  throw badRequest("didn't supply required authentication values");
}

export function makeAwsAuthFactory(clock: Clock = systemClock): BackendFactory {
  return (ctx): BackendDef => {
    const deps = { storage: ctx.storage, system: ctx.system, clock, locks: new KeyedMutex() };
    return {
      help: 'The aws auth method authenticates AWS entities: EC2 instances by their signed identity document, IAM principals by a signed sts:GetCallerIdentity request.',
      unauthenticatedPaths: ['login'],
      paths: [
        configClientPath(ctx.storage),
        ...configCertificatePaths(ctx.storage),
        configIdentityPath(ctx.storage),
        ...rolePaths(ctx.storage, ctx.system),
        ...accessListPaths(ctx.storage, clock),
        ...roleTagPaths(ctx.storage, ctx.system, clock),
        {
          pattern: 'login',
          fields: {
            role: { type: 'string', description: "Name of the role against which the login is being attempted. If 'role' is not specified, the role named after the AMI ID (ec2) or the IAM principal's friendly name (iam) is used." },
            pkcs7: { type: 'string', description: 'PKCS7 signature of the identity document when using an auth_type of ec2.' },
            nonce: { type: 'string', sensitive: true, description: 'The nonce to be used for subsequent login requests when auth_type is ec2. An empty value disables reauthentication.' },
            identity: { type: 'string', description: 'Base64 encoded EC2 instance identity document. This needs to be supplied along with the signature parameter.' },
            signature: { type: 'string', description: 'Base64 encoded SHA256 RSA signature of the instance identity document. This needs to be supplied along with identity parameter.' },
            iam_http_request_method: { type: 'string', description: 'HTTP method to use for the AWS request when auth_type is iam. Currently, POST is the only supported value.' },
            iam_request_url: { type: 'string', description: 'Base64-encoded full URL against which to make the AWS request when using iam auth_type.' },
            iam_request_body: { type: 'string', description: 'Base64-encoded request body when auth_type is iam. This must match the request body included in the signature.' },
            iam_request_headers: { type: 'any', description: 'Key/value pairs of headers for use in the sts:GetCallerIdentity HTTP requests headers when auth_type is iam. Can be either a Base64-encoded, JSON-serialized string, or a JSON object of key/value pairs.' },
          },
          synopsis: 'Authenticates an EC2 instance or IAM principal with Coffer.',
          operations: {
            update: async (req: Request, d: FieldData) => (loginType(d) === 'ec2' ? ec2Login(deps, req, d) : iamLogin(deps, req, d)),
          },
        },
      ],
      async renewAuth(_req, auth) {
        return auth.internal?.auth_type === 'ec2' ? ec2Renew(deps, auth) : iamRenew(deps, auth);
      },
    };
  };
}

export const awsAuthFactory: BackendFactory = makeAwsAuthFactory();
