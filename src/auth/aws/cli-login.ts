/**
 * `coffer login -method=aws`: the iam login as Vault's CLI makes it, with AWS credentials from
 * the K=V arguments or the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), signed for STS in `region` (us-east-1, the global endpoint, by default).
 */
import type { LoginMethod } from '../../cli/commands/login-methods.js';
import { iamLoginData } from './client-login.js';
import type { Credentials } from './sigv4.js';

export function stsUrlForRegion(region: string): string {
  return !region || region === 'us-east-1' ? 'https://sts.amazonaws.com/' : `https://sts.${region}.amazonaws.com/`;
}

export function cliCredentials(cfg: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Credentials {
  const accessKeyId = cfg.aws_access_key_id || env.AWS_ACCESS_KEY_ID || '';
  const secretAccessKey = cfg.aws_secret_access_key || env.AWS_SECRET_ACCESS_KEY || '';
  if (!accessKeyId || !secretAccessKey) throw new Error('could not find AWS credentials: set aws_access_key_id and aws_secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  const sessionToken = cfg.aws_security_token || (cfg.aws_access_key_id ? '' : env.AWS_SESSION_TOKEN || '');
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
}

export const awsLoginMethod: LoginMethod = {
  defaultMount: 'aws',
  help: `Usage: coffer login -method=aws [CONFIG K=V...]

  Authenticates with AWS IAM credentials: a signed sts:GetCallerIdentity
  request is handed to the server, which forwards it to STS. The credentials
  come from the arguments or from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
  AWS_SESSION_TOKEN.

      $ coffer login -method=aws role=dev-role-iam
      $ coffer login -method=aws aws_access_key_id=... aws_secret_access_key=... role=dev

  Configuration:
    aws_access_key_id=<string>      Explicit AWS access key ID.
    aws_secret_access_key=<string>  Explicit AWS secret access key.
    aws_security_token=<string>     Explicit AWS security token for temporary credentials.
    header_value=<string>           Value for the X-Vault-AWS-IAM-Server-ID header.
    mount=<string>                  Where the method is enabled (default "aws").
    region=<string>                 Region for signing (default "us-east-1").
    role=<string>                   Name of the role (default: the principal's name).`,
  async login(client, cfg) {
    const region = (cfg.region === 'auto' ? process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION : cfg.region) || 'us-east-1';
    const data = iamLoginData(cliCredentials(cfg), { role: cfg.role, serverId: cfg.header_value, region, stsUrl: stsUrlForRegion(region) });
    const mount = (cfg.mount || 'aws').replace(/^\/+|\/+$/g, '');
    const s = await client.write(`auth/${mount}/login`, data);
    if (!s) throw new Error('empty response from credential provider');
    return s;
  },
};
