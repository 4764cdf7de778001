/**
 * The agent's `aws` auto-auth method (Vault Agent's config keys): `type = "iam"` signs a
 * GetCallerIdentity request with `access_key`/`secret_key`/`session_token` or the AWS_*
 * environment; `type = "ec2"` fetches the instance's PKCS#7 identity document from the metadata
 * service (IMDSv2 token first, as the SDKs do; AWS_EC2_METADATA_SERVICE_ENDPOINT overrides
 * http://169.254.169.254) and logs in with a nonce kept for the agent's lifetime, so that
 * re-authentication from the same instance is accepted.
 */
import { randomUUID } from 'node:crypto';
import type { AuthMethod, Credentials as LoginCredentials } from '../../agent/auth/methods.js';
import type { MethodConfig } from '../../agent/config.js';
import { cliCredentials, stsUrlForRegion } from './cli-login.js';
import { iamLoginData } from './client-login.js';

const text = (cfg: Record<string, unknown>, key: string) => (cfg[key] === undefined || cfg[key] === null ? '' : String(cfg[key]).trim());

async function imdsGet(base: string, path: string): Promise<string> {
  const headers: Record<string, string> = {};
  try {
    const t = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' }, signal: AbortSignal.timeout(2000) });
    if (t.ok) headers['X-aws-ec2-metadata-token'] = await t.text();
  } catch { /* IMDSv1 only: go on without a token */ }
  const r = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`error reading ${path} from the instance metadata service: ${r.status}`);
  return r.text();
}

export class AwsAgentMethod implements AuthMethod {
  readonly type = 'aws';
  private readonly kind: 'iam' | 'ec2';
  private readonly nonce: string;

  constructor(private readonly m: MethodConfig, private readonly env: NodeJS.ProcessEnv = process.env) {
    const kind = text(m.config, 'type');
    if (kind !== 'iam' && kind !== 'ec2') throw new Error(`unknown type "${kind}": must be "iam" or "ec2"`);
    this.kind = kind;
    this.nonce = text(m.config, 'nonce') || randomUUID();
  }

  async credentials(): Promise<LoginCredentials> {
    const cfg = this.m.config;
    const role = text(cfg, 'role');
    const path = `${this.m.mountPath}/login`;
    if (this.kind === 'ec2') {
      const base = (this.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || 'http://169.254.169.254').replace(/\/+$/, '');
      const pkcs7 = (await imdsGet(base, '/latest/dynamic/instance-identity/pkcs7')).replace(/\n/g, '');
      return { kind: 'login', path, body: { ...(role ? { role } : {}), pkcs7, nonce: this.nonce } };
    }
    const creds = cliCredentials({
      aws_access_key_id: text(cfg, 'access_key'), aws_secret_access_key: text(cfg, 'secret_key'), aws_security_token: text(cfg, 'session_token'),
    }, this.env);
    const region = text(cfg, 'region') || 'us-east-1';
    return { kind: 'login', path, body: iamLoginData(creds, { role: role || undefined, serverId: text(cfg, 'header_value') || undefined, region, stsUrl: stsUrlForRegion(region) }) };
  }
}
