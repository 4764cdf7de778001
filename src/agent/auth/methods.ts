/**
 * Auto-auth methods: what each one sends to log in (Vault Agent's semantics for reading and
 * removing credential files). Each returns either a login request or, for token_file, a token.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import type { VaultClient } from '../../api/client.js';
import type { MethodConfig } from '../config.js';
import { AwsAgentMethod } from '../../auth/aws/agent-method.js';

export type Credentials =
  | { kind: 'login'; path: string; body: Record<string, unknown>; viaClientCert?: boolean }
  | { kind: 'token'; token: string };

export interface AuthMethod {
  readonly type: string;
  /** What to log in with now (credential files are re-read on every call). */
  credentials(client: VaultClient): Promise<Credentials>;
  /** The file to watch for new credentials, if the method has one. */
  readonly credentialFile?: string;
}

export class AuthConfigError extends Error {}

function str(cfg: Record<string, unknown>, key: string, def = ''): string {
  const v = cfg[key];
  if (v === undefined || v === null) return def;
  return String(v);
}

function bool(cfg: Record<string, unknown>, key: string, def: boolean): boolean {
  const v = cfg[key];
  if (v === undefined || v === null || v === '') return def;
  if (typeof v === 'boolean') return v;
  return /^(1|t|true)$/i.test(String(v));
}

function required(cfg: Record<string, unknown>, key: string): string {
  const v = str(cfg, key).trim();
  if (!v) throw new AuthConfigError(`missing '${key}' value`);
  return v;
}

function readTrimmed(path: string, what: string): string {
  let v: string;
  try {
    v = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new Error(`error reading ${what} file "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!v) throw new Error(`${what} file "${path}" is empty`);
  return v;
}

class KubernetesMethod implements AuthMethod {
  readonly type = 'kubernetes';
  readonly credentialFile: string;
  private readonly role: string;
  constructor(private readonly m: MethodConfig) {
    this.role = required(m.config, 'role');
    this.credentialFile = str(m.config, 'token_path', '/var/run/secrets/kubernetes.io/serviceaccount/token');
  }
  async credentials(): Promise<Credentials> {
    // Re-read every time: projected service-account tokens rotate on disk.
    const jwt = readTrimmed(this.credentialFile, 'service account token');
    return { kind: 'login', path: `${this.m.mountPath}/login`, body: { role: this.role, jwt } };
  }
}

class AppRoleMethod implements AuthMethod {
  readonly type = 'approle';
  private readonly roleIdPath: string;
  private readonly secretIdPath: string;
  private readonly removeSecretId: boolean;
  private readonly wrappingPath: string;
  private cachedRoleId = '';
  private cachedSecretId = '';
  constructor(private readonly m: MethodConfig) {
    this.roleIdPath = required(m.config, 'role_id_file_path');
    this.secretIdPath = str(m.config, 'secret_id_file_path');
    this.removeSecretId = bool(m.config, 'remove_secret_id_file_after_reading', true);
    this.wrappingPath = str(m.config, 'secret_id_response_wrapping_path').replace(/^\/+|\/+$/g, '');
  }
  get credentialFile(): string | undefined {
    return this.secretIdPath || undefined;
  }
  async credentials(client: VaultClient): Promise<Credentials> {
    try {
      this.cachedRoleId = readTrimmed(this.roleIdPath, 'role ID');
    } catch (e) {
      if (!this.cachedRoleId) throw e;
    }
    const body: Record<string, unknown> = { role_id: this.cachedRoleId };
    if (this.secretIdPath) {
      let raw = '';
      try {
        raw = readFileSync(this.secretIdPath, 'utf8').trim();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (raw) {
        this.cachedSecretId = this.wrappingPath ? await this.unwrap(client, raw) : raw;
        // Removing the file after a successful read keeps the secret off disk; the value is
        // kept in memory so that re-authentication still works.
        if (this.removeSecretId) rmSync(this.secretIdPath, { force: true });
      }
      if (!this.cachedSecretId) throw new Error(`secret ID file "${this.secretIdPath}" is empty or missing and no secret ID is cached`);
      body.secret_id = this.cachedSecretId;
    }
    return { kind: 'login', path: `${this.m.mountPath}/login`, body };
  }
  private async unwrap(client: VaultClient, wrapToken: string): Promise<string> {
    const info = await client.request('PUT', 'sys/wrapping/lookup', { body: { token: wrapToken }, token: null });
    const creationPath = String(info.body?.data?.creation_path ?? '').replace(/^\/+|\/+$/g, '');
    if (info.status !== 200 || creationPath !== this.wrappingPath) {
      throw new Error(`secret ID wrapping token's creation path "${creationPath}" does not match the expected "${this.wrappingPath}"`);
    }
    const res = await client.request('PUT', 'sys/wrapping/unwrap', { token: wrapToken, wrapTTL: null });
    const sid = res.body?.data?.secret_id;
    if (res.status !== 200 || typeof sid !== 'string') throw new Error('unwrapping the secret ID failed');
    return sid;
  }
}

class JwtMethod implements AuthMethod {
  readonly type = 'jwt';
  readonly credentialFile: string;
  private readonly role: string;
  private readonly remove: boolean;
  private cached = '';
  constructor(private readonly m: MethodConfig) {
    this.credentialFile = required(m.config, 'path');
    this.role = required(m.config, 'role');
    this.remove = bool(m.config, 'remove_jwt_after_reading', true);
  }
  async credentials(): Promise<Credentials> {
    try {
      const st = statSync(this.credentialFile);
      if (st.size > 0) {
        this.cached = readTrimmed(this.credentialFile, 'JWT');
        if (this.remove) rmSync(this.credentialFile, { force: true });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !this.cached) throw e;
    }
    if (!this.cached) throw new Error(`no JWT found at "${this.credentialFile}"`);
    return { kind: 'login', path: `${this.m.mountPath}/login`, body: { role: this.role, jwt: this.cached } };
  }
}

class TokenFileMethod implements AuthMethod {
  readonly type = 'token_file';
  readonly credentialFile: string;
  private cached = '';
  constructor(m: MethodConfig) {
    this.credentialFile = required(m.config, 'token_file_path');
  }
  async credentials(): Promise<Credentials> {
    try {
      this.cached = readTrimmed(this.credentialFile, 'token');
    } catch (e) {
      if (!this.cached) throw e;
    }
    return { kind: 'token', token: this.cached };
  }
}

class CertMethod implements AuthMethod {
  readonly type = 'cert';
  private readonly name: string;
  constructor(private readonly m: MethodConfig) {
    this.name = str(m.config, 'name');
  }
  async credentials(): Promise<Credentials> {
    return { kind: 'login', path: `${this.m.mountPath}/login`, body: this.name ? { name: this.name } : {}, viaClientCert: true };
  }
}

export function createAuthMethod(m: MethodConfig): AuthMethod {
  switch (m.type) {
    case 'kubernetes':
      return new KubernetesMethod(m);
    case 'approle':
      return new AppRoleMethod(m);
    case 'jwt':
      return new JwtMethod(m);
    case 'token_file':
      return new TokenFileMethod(m);
    case 'cert':
      return new CertMethod(m);
    case 'aws':
      return new AwsAgentMethod(m);
  }
  throw new AuthConfigError(`unknown auth method type "${m.type}" (supported: kubernetes, approle, jwt, token_file, cert, aws)`);
}
