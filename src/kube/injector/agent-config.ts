/**
 * The agent configuration the injected containers run with: Vault Agent's JSON schema (which
 * `coffer agent` reads), built field for field as vault-k8s builds it, so a config decoded from a
 * pod's VAULT_CONFIG reads the same whether Vault's or Coffer's injector wrote it. The init
 * container's copy differs only in `exit_after_auth`.
 */
import { posix } from 'node:path';
import { ANN } from './annotations.js';
import type { AgentSpec, SecretSpec } from './agent.js';

/** Where the agent containers keep their token and pid file (an in-memory volume of their own). */
export const AGENT_HOME = '/home/vault';
export const TOKEN_FILE = `${AGENT_HOME}/.vault-token`;
export const PID_FILE = `${AGENT_HOME}/.pid`;
export const CONFIG_FILE = `${AGENT_HOME}/config.json`;

/** Vault's default templates: every key of the secret's data, as `key: value` lines or as JSON. */
export const defaultTemplate = (kind: 'map' | 'json', path: string): string => kind === 'json'
  ? `{{ with secret "${path}" }}{{ .Data | toJSON }}\n{{ end }}`
  : `{{ with secret "${path}" }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}`;

function templateStanza(s: SecretSpec, kind: 'map' | 'json'): Record<string, unknown> {
  let contents = s.template;
  if (s.templateFile === '' && contents === '') contents = defaultTemplate(kind, s.path);
  const destination = s.file ? posix.join(s.mountPath, s.file) : `${s.mountPath}/${s.name}`;
  const t: Record<string, unknown> = { destination };
  if (contents) t.contents = contents;
  t.left_delimiter = s.leftDelim || '{{';
  t.right_delimiter = s.rightDelim || '}}';
  if (s.command) t.command = s.command;
  if (s.templateFile) t.source = s.templateFile;
  if (s.perms) t.perms = s.perms;
  if (s.errorOnMissingKey) t.error_on_missing_key = true;
  return t;
}

/** The agent config object for the init container (`init`) or the sidecar. */
export function agentConfig(s: AgentSpec, init: boolean): Record<string, unknown> {
  const v = s.vault;
  const method: Record<string, unknown> = { type: v.authType };
  if (v.authPath) method.mount_path = v.authPath;
  if (v.authMinBackoff) method.min_backoff = v.authMinBackoff;
  if (v.authMaxBackoff) method.max_backoff = v.authMaxBackoff;
  if (v.namespace) method.namespace = v.namespace;
  if (Object.keys(v.authConfig).length) method.config = v.authConfig;
  if (v.autoAuthExitOnErr) method.exit_on_err = true;
  const sinks: Record<string, unknown>[] = [{ type: 'file', config: { path: TOKEN_FILE } }];
  // agent-inject-token: the app gets the agent's token too, next to its secrets.
  if (s.injectToken) sinks.push({ type: 'file', config: { path: posix.join(s.annotations[ANN.secretVolumePath] ?? '', 'token') } });

  const vault: Record<string, unknown> = { address: v.address };
  if (v.caCert) vault.ca_cert = v.caCert;
  if (v.caKey) vault.ca_path = v.caKey;
  if (v.tlsSkipVerify) vault.tls_skip_verify = true;
  if (v.clientCert) vault.client_cert = v.clientCert;
  if (v.clientKey) vault.client_key = v.clientKey;
  if (v.tlsServerName) vault.tls_server_name = v.tlsServerName;

  const tc = s.templateConfig;
  const templateConfig: Record<string, unknown> = { exit_on_retry_failure: tc.exitOnRetryFailure };
  if (tc.staticSecretRenderInterval) templateConfig.static_secret_render_interval = tc.staticSecretRenderInterval;
  if (tc.maxConnectionsPerHost) templateConfig.max_connections_per_host = tc.maxConnectionsPerHost;
  if (tc.leaseRenewalThreshold) templateConfig.lease_renewal_threshold = tc.leaseRenewalThreshold;

  const cfg: Record<string, unknown> = {
    auto_auth: { method, sink: sinks },
    exit_after_auth: init,
    pid_file: PID_FILE,
    vault,
  };
  const templates = s.secrets.map((x) => templateStanza(x, s.defaultTemplate));
  if (templates.length) cfg.template = templates;
  cfg.template_config = templateConfig;
  return cfg;
}

/** The VAULT_CONFIG value: the JSON config, base64 (standard alphabet, padded) as vault-k8s sends it. */
export function encodedAgentConfig(s: AgentSpec, init: boolean): string {
  return Buffer.from(JSON.stringify(agentConfig(s, init))).toString('base64');
}

/** Turns a pod's VAULT_CONFIG back into the config object (tests, debugging). */
export function decodeAgentConfig(b64: string): Record<string, any> {
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
}
