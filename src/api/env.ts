/**
 * Client settings from the environment, read exactly as the vault CLI reads them, and the
 * default token helper: the token of the last `login`, kept in ~/.vault-token (mode 0600).
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../lib/duration.js';
import type { ClientOptions } from './client.js';

/** Go's strconv.ParseBool, which Vault uses for every boolean variable and flag. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export function tokenHelperPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), '.vault-token');
}

/** The stored token, or undefined when none was stored. */
export function readStoredToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const t = readFileSync(tokenHelperPath(env), 'utf8').trim();
    return t || undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function storeToken(token: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = tokenHelperPath(env);
  writeFileSync(path, token.trim(), { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function eraseStoredToken(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(tokenHelperPath(env), { force: true });
}

/**
 * VAULT_ADDR, VAULT_TOKEN (else ~/.vault-token), VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT,
 * VAULT_CLIENT_KEY, VAULT_SKIP_VERIFY, VAULT_TLS_SERVER_NAME, VAULT_NAMESPACE, VAULT_WRAP_TTL,
 * VAULT_CLIENT_TIMEOUT. Throws on a value Vault would also reject.
 */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, opts: { tokenHelper?: boolean } = {}): ClientOptions {
  const out: ClientOptions = {};
  if (env.VAULT_ADDR) out.address = env.VAULT_ADDR;
  if (env.VAULT_CACERT) out.caCert = env.VAULT_CACERT;
  if (env.VAULT_CAPATH) out.caPath = env.VAULT_CAPATH;
  if (env.VAULT_CLIENT_CERT) out.clientCert = env.VAULT_CLIENT_CERT;
  if (env.VAULT_CLIENT_KEY) out.clientKey = env.VAULT_CLIENT_KEY;
  if (env.VAULT_TLS_SERVER_NAME) out.tlsServerName = env.VAULT_TLS_SERVER_NAME;
  if (env.VAULT_NAMESPACE) out.namespace = env.VAULT_NAMESPACE;
  if (env.VAULT_WRAP_TTL) out.wrapTTL = env.VAULT_WRAP_TTL;
  if (env.VAULT_SKIP_VERIFY) {
    const v = parseGoBool(env.VAULT_SKIP_VERIFY);
    if (v === undefined) throw new Error('could not parse VAULT_SKIP_VERIFY');
    out.skipVerify = v;
  }
  if (env.VAULT_CLIENT_TIMEOUT) {
    try {
      out.timeoutMs = parseDuration(env.VAULT_CLIENT_TIMEOUT) * 1000;
    } catch {
      throw new Error('could not parse VAULT_CLIENT_TIMEOUT');
    }
  }
  const token = env.VAULT_TOKEN?.trim() || (opts.tokenHelper === false ? undefined : readStoredToken(env));
  if (token) out.token = token;
  return out;
}
