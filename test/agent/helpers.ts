/** Shared pieces of the agent's integration tests: a real Coffer, temp dirs, polling. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, createLogger } from '../../src/lib/logger.js';
import { Agent } from '../../src/agent/agent.js';
import { parseAgentConfig, validateAgentConfig } from '../../src/agent/config.js';
import type { TestCoffer } from '../support/server.js';

export function tempDir(prefix = 'agent-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function readOr(path: string, def = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return def;
  }
}

/** Polls until `fn` returns a truthy value or the time is up. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function api(c: TestCoffer, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const r = await c.api(method, path, body, token);
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Enables AppRole with a role bound to `policies`, writes role_id/secret_id files. */
export async function setupAppRole(c: TestCoffer, dir: string, policies: string[], roleOpts: Record<string, unknown> = {}): Promise<{ roleIdFile: string; secretIdFile: string }> {
  await c.api('POST', 'sys/auth/approle', { type: 'approle' });
  await api(c, 'POST', 'auth/approle/role/app', { token_policies: policies, ...roleOpts });
  const roleId = (await api(c, 'GET', 'auth/approle/role/app/role-id')).data.role_id;
  const secretId = (await api(c, 'POST', 'auth/approle/role/app/secret-id')).data.secret_id;
  const roleIdFile = join(dir, 'role_id');
  const secretIdFile = join(dir, 'secret_id');
  writeFileSync(roleIdFile, roleId);
  writeFileSync(secretIdFile, secretId);
  return { roleIdFile, secretIdFile };
}

export function agentFromHCL(hcl: string, file: string, env: NodeJS.ProcessEnv): Agent {
  writeFileSync(file, hcl);
  const config = parseAgentConfig(hcl, file);
  validateAgentConfig(config);
  const logger = process.env.AGENT_TEST_LOG ? createLogger(process.env.AGENT_TEST_LOG) : silentLogger();
  return new Agent({ config, logger, env });
}

/**
 * Writes an ACL policy. While the server's policy endpoints are not wired yet (404), returns
 * false, and callers give their roles the root policy instead so the flows can still be tested.
 */
export async function writePolicy(c: TestCoffer, name: string, policy: string): Promise<void> {
  const r = await c.api('PUT', `sys/policies/acl/${name}`, { policy });
  if (r.status >= 400) throw new Error(`writing policy ${name}: ${r.status} ${JSON.stringify(r.body)}`);
}
