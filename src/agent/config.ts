/**
 * Vault Agent's configuration (HCL or JSON), read into typed settings with Vault's defaults.
 * `-config` may repeat or name a directory (files merged in order, as Vault does). Unknown keys
 * produce warnings; errors name the file and line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HclError, parseHCL } from '../lib/hcl.js';
import { AgentConfigError, Section } from './config-values.js';
import { readSink, type SinkConfig } from './sink-config.js';

export { AgentConfigError };

export interface VaultConnConfig {
  address?: string;
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  tlsSkipVerify?: boolean;
  tlsServerName?: string;
  namespace?: string;
  /** Attempts for templating and proxying (12; -1 = none). */
  numRetries: number;
}

export interface MethodConfig {
  type: string;
  mountPath: string;
  namespace?: string;
  wrapTTL?: number;
  minBackoff: number;
  maxBackoff: number;
  exitOnErr: boolean;
  config: Record<string, unknown>;
}

export type { SinkConfig } from './sink-config.js';

export interface TemplateConfig {
  source?: string;
  contents?: string;
  destination?: string;
  createDestDirs: boolean;
  perms?: number;
  backup: boolean;
  /** argv; a single-string command runs through `sh -c`, as consul-template does. */
  command?: string[];
  commandTimeout: number;
  errorOnMissingKey: boolean;
  errorFatal: boolean;
  leftDelim?: string;
  rightDelim?: string;
  waitMin: number;
  waitMax: number;
  sandboxPath?: string;
  functionDenylist: string[];
  uid?: number;
  gid?: number;
  user?: string;
  group?: string;
}

export interface EnvTemplateConfig extends TemplateConfig {
  name: string;
}

export interface ExecConfig {
  command: string[];
  restartOnSecretChanges: 'always' | 'never';
  restartStopSignal: NodeJS.Signals;
}

export interface ListenerConfig {
  type: 'tcp' | 'unix';
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  requireRequestHeader: boolean;
  enableQuit: boolean;
}

export interface AgentConfig {
  files: string[];
  pidFile?: string;
  exitAfterAuth: boolean;
  /** Coffer: revoke the auto-auth token on SIGTERM/SIGINT. */
  revokeOnShutdown: boolean;
  logLevel?: string;
  vault: VaultConnConfig;
  autoAuth?: { method: MethodConfig; sinks: SinkConfig[]; enableReauthOnNewCredentials: boolean };
  templates: TemplateConfig[];
  templateConfig: { exitOnRetryFailure: boolean; staticSecretRenderInterval: number; leaseRenewalThreshold: number; maxConnectionsPerHost: number };
  envTemplates: EnvTemplateConfig[];
  exec?: ExecConfig;
  cache?: { enabled: true };
  apiProxy?: { useAutoAuthToken: boolean | 'force' };
  listeners: ListenerConfig[];
  warnings: string[];
}

const SIGNALS = new Set(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGKILL', 'SIGUSR1', 'SIGUSR2']);

export function warnUnused(s: Section, warnings: string[]): void {
  for (const k of s.unused()) warnings.push(`${s.where(k)}: unknown key "${s.path ? s.path + '.' : ''}${k}" ignored`);
}

function readVault(s: Section | undefined, into: VaultConnConfig, warnings: string[]): void {
  if (!s) return;
  if (s.has('address')) into.address = s.string('address');
  if (s.has('ca_cert')) into.caCert = s.string('ca_cert');
  if (s.has('ca_path')) into.caPath = s.string('ca_path');
  if (s.has('client_cert')) into.clientCert = s.string('client_cert');
  if (s.has('client_key')) into.clientKey = s.string('client_key');
  if (s.has('tls_skip_verify')) into.tlsSkipVerify = s.bool('tls_skip_verify');
  if (s.has('tls_server_name')) into.tlsServerName = s.string('tls_server_name');
  if (s.has('namespace')) into.namespace = s.string('namespace');
  s.raw('lease_renewal_threshold'); // read with template_config below; accepted here as upstream first placed it
  const retry = s.child('retry');
  if (retry) {
    const n = retry.int('num_retries', 12);
    into.numRetries = n === 0 ? 12 : n;
    warnUnused(retry, warnings);
  }
  warnUnused(s, warnings);
}

function readTemplate(s: Section, warnings: string[]): TemplateConfig {
  const execBlock = s.child('exec');
  let command = s.stringList('command');
  if (command && command.length === 1 && !Array.isArray(s.body.command)) command = ['/bin/sh', '-c', command[0]!];
  let commandTimeout = s.duration('command_timeout', 30);
  if (execBlock) {
    const c = execBlock.stringList('command');
    if (c) command = c.length === 1 && typeof execBlock.body.command === 'string' ? ['/bin/sh', '-c', c[0]!] : c;
    commandTimeout = execBlock.duration('timeout', commandTimeout);
    warnUnused(execBlock, warnings);
  }
  let waitMin = 0;
  let waitMax = 0;
  const wait = s.raw('wait');
  if (typeof wait === 'string') {
    const [a, b] = wait.split(':');
    try {
      waitMin = new Section({ a: a ?? '' }, s.file, s.path).duration('a', 0);
      waitMax = b === undefined ? waitMin * 4 : new Section({ b }, s.file, s.path).duration('b', 0);
    } catch {
      s.fail('wait', `invalid wait value "${wait}"`);
    }
  } else if (wait !== undefined) {
    const w = s.child('wait')!;
    waitMin = w.duration('min', 0);
    waitMax = w.duration('max', waitMin * 4);
    warnUnused(w, warnings);
  }
  const t: TemplateConfig = {
    source: s.has('source') ? s.string('source') : undefined,
    contents: s.has('contents') ? s.string('contents') : undefined,
    destination: s.has('destination') ? s.string('destination') : undefined,
    createDestDirs: s.bool('create_dest_dirs', true),
    perms: s.mode('perms'),
    backup: s.bool('backup', false),
    command,
    commandTimeout,
    errorOnMissingKey: s.bool('error_on_missing_key', false),
    errorFatal: s.bool('error_fatal', true),
    leftDelim: s.has('left_delimiter') ? s.string('left_delimiter') : undefined,
    rightDelim: s.has('right_delimiter') ? s.string('right_delimiter') : undefined,
    waitMin,
    waitMax,
    sandboxPath: s.has('sandbox_path') ? s.string('sandbox_path') : undefined,
    functionDenylist: [...(s.stringList('function_denylist') ?? []), ...(s.stringList('function_blacklist') ?? [])],
    uid: s.has('uid') ? s.int('uid', -1) : undefined,
    gid: s.has('gid') ? s.int('gid', -1) : undefined,
    user: s.has('user') ? s.string('user') : undefined,
    group: s.has('group') ? s.string('group') : undefined,
  };
  if (t.source !== undefined && t.contents !== undefined) s.fail(undefined, 'template: "source" and "contents" cannot be specified together');
  warnUnused(s, warnings);
  return t;
}

function readAutoAuth(s: Section, warnings: string[]): AgentConfig['autoAuth'] {
  const methods = s.blocks('method', 'type');
  if (methods.length !== 1) s.fail(methods.length ? 'method' : undefined, methods.length ? 'one and only one "method" block is required' : "no 'method' block found");
  const { label, section: m } = methods[0]!;
  const type = label ?? m.string('type');
  if (!type) m.fail(undefined, 'method type must be specified');
  if (label) m.raw('type');
  const cfg = m.child('config');
  const method: MethodConfig = {
    type,
    mountPath: (m.string('mount_path') || `auth/${type}`).replace(/^\/+|\/+$/g, ''),
    namespace: m.has('namespace') ? m.string('namespace') : undefined,
    wrapTTL: m.has('wrap_ttl') ? m.duration('wrap_ttl', 0) : undefined,
    minBackoff: m.duration('min_backoff', 1),
    maxBackoff: m.duration('max_backoff', 300),
    exitOnErr: m.bool('exit_on_err', false),
    config: cfg ? cfg.plain() : {},
  };
  if (method.minBackoff > method.maxBackoff) m.fail('min_backoff', 'min_backoff cannot be greater than max_backoff');
  warnUnused(m, warnings);
  let sinkBlocks = s.blocks('sink', 'type');
  const sinksWrapper = s.child('sinks');
  if (sinksWrapper) {
    sinkBlocks = [...sinkBlocks, ...sinksWrapper.blocks('sink', 'type')];
    warnUnused(sinksWrapper, warnings);
  }
  const sinks: SinkConfig[] = sinkBlocks.map(({ label, section }) => readSink(label, section, (b) => warnUnused(b, warnings)));
  if (method.wrapTTL && sinks.length !== 1) s.fail(undefined, 'error parsing auto_auth: wrapping enabled on auth method and 0 or many sinks defined');
  if (method.wrapTTL && sinks.some((x) => x.wrapTTL)) s.fail(undefined, 'error parsing auto_auth: wrapping enabled both on auth method and sink');
  const enableReauthOnNewCredentials = s.bool('enable_reauth_on_new_credentials', false);
  warnUnused(s, warnings);
  return { method, sinks, enableReauthOnNewCredentials };
}

/** Parses one file's text into a config (defaults filled in). */
export function parseAgentConfig(text: string, file: string): AgentConfig {
  let body;
  try {
    body = parseHCL(text, file);
  } catch (e) {
    if (e instanceof HclError) throw new AgentConfigError(`error loading "${file}": ${e.message}`);
    throw e;
  }
  const root = new Section(body, file, '');
  const warnings: string[] = [];
  const cfg: AgentConfig = {
    files: [file],
    pidFile: root.string('pid_file') || undefined,
    exitAfterAuth: root.bool('exit_after_auth', false),
    revokeOnShutdown: root.bool('revoke_on_shutdown', false),
    logLevel: root.string('log_level') || undefined,
    vault: { numRetries: 12 },
    templates: [],
    templateConfig: { exitOnRetryFailure: false, staticSecretRenderInterval: 300, leaseRenewalThreshold: 0.9, maxConnectionsPerHost: 10 },
    envTemplates: [],
    listeners: [],
    warnings,
  };
  const vault = root.child('vault');
  readVault(vault, cfg.vault, warnings);
  const aa = root.child('auto_auth');
  if (aa) cfg.autoAuth = readAutoAuth(aa, warnings);
  for (const { section } of root.blocks('template', undefined)) cfg.templates.push(readTemplate(section, warnings));
  const tc = root.child('template_config');
  if (tc) {
    cfg.templateConfig.exitOnRetryFailure = tc.bool('exit_on_retry_failure', false);
    cfg.templateConfig.staticSecretRenderInterval = tc.duration('static_secret_render_interval', 300);
    cfg.templateConfig.leaseRenewalThreshold = tc.float('lease_renewal_threshold', 0.9);
    cfg.templateConfig.maxConnectionsPerHost = tc.int('max_connections_per_host', 10);
    warnUnused(tc, warnings);
  }
  if (vault?.has('lease_renewal_threshold') && !tc?.has('lease_renewal_threshold')) {
    cfg.templateConfig.leaseRenewalThreshold = vault.float('lease_renewal_threshold', 0.9);
  }
  for (const { label, section } of root.blocks('env_template', 'name')) {
    if (!label) return section.fail(undefined, 'env_template: an environment variable name is required');
    for (const k of ['backup', 'command', 'command_timeout', 'create_dest_dirs', 'destination', 'exec', 'perms', 'user', 'uid', 'group', 'gid', 'wait', 'sandbox_path']) {
      if (section.has(k)) section.fail(k, `env_template[${label}]: '${k}' is not allowed`);
    }
    const t = readTemplate(section, warnings);
    if (t.contents === undefined && t.source === undefined) section.fail(undefined, `env_template[${label}]: either 'contents' or 'source' must be specified`);
    if (cfg.envTemplates.some((e) => e.name === label)) section.fail(undefined, `env_template: duplicate environment variable name: "${label}"`);
    cfg.envTemplates.push({ ...t, name: label });
  }
  const ex = root.child('exec');
  if (ex) {
    const command = ex.stringList('command') ?? [];
    const restart = ex.string('restart_on_secret_changes', 'always');
    if (restart !== 'always' && restart !== 'never') ex.fail('restart_on_secret_changes', `'exec.restart_on_secret_changes' unexpected value: "${restart}"`);
    const sig = ex.string('restart_stop_signal', 'SIGTERM').toUpperCase();
    const signal = (sig.startsWith('SIG') ? sig : `SIG${sig}`) as NodeJS.Signals;
    if (!SIGNALS.has(signal)) ex.fail('restart_stop_signal', `unknown signal "${sig}"`);
    cfg.exec = { command, restartOnSecretChanges: restart as 'always' | 'never', restartStopSignal: signal };
    warnUnused(ex, warnings);
  }
  const cache = root.child('cache');
  if (cache) {
    cfg.cache = { enabled: true };
    if (cache.has('use_auto_auth_token')) cfg.apiProxy = { useAutoAuthToken: autoAuthTokenValue(cache) };
    cache.raw('persist');
    warnUnused(cache, warnings);
  }
  const proxy = root.child('api_proxy');
  if (proxy) {
    if (cfg.apiProxy) proxy.fail(undefined, 'use_auto_auth_token defined in both api_proxy and cache config. Please remove this configuration from the cache block');
    cfg.apiProxy = { useAutoAuthToken: autoAuthTokenValue(proxy) };
    proxy.raw('enforce_consistency');
    proxy.raw('when_inconsistent');
    warnUnused(proxy, warnings);
  }
  for (const { label, section } of root.blocks('listener', 'type')) {
    const type = label ?? section.string('type');
    if (label) section.raw('type');
    if (type !== 'tcp' && type !== 'unix') return section.fail(undefined, `unknown listener type "${type}"`);
    const api = section.child('agent_api');
    cfg.listeners.push({
      type,
      address: section.string('address', type === 'tcp' ? '127.0.0.1:8100' : ''),
      tlsDisable: section.bool('tls_disable', false),
      tlsCertFile: section.string('tls_cert_file') || undefined,
      tlsKeyFile: section.string('tls_key_file') || undefined,
      requireRequestHeader: section.bool('require_request_header', false),
      enableQuit: api ? api.bool('enable_quit', false) : false,
    });
    section.raw('role');
    if (api) warnUnused(api, warnings);
    warnUnused(section, warnings);
  }
  for (const k of ['telemetry', 'log_format', 'log_file', 'log_rotate_bytes', 'log_rotate_duration', 'log_rotate_max_files', 'disable_idle_connections', 'disable_keep_alives', 'disable_mlock', 'template_retry']) root.raw(k);
  warnUnused(root, warnings);
  return cfg;
}

function autoAuthTokenValue(s: Section): boolean | 'force' {
  const v = s.raw('use_auto_auth_token');
  if (v === undefined || v === null) return false;
  if (typeof v === 'string' && v.toLowerCase() === 'force') return 'force';
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  s.fail('use_auto_auth_token', `value of 'use_auto_auth_token' can be either true/false/force, "${String(v)}" is an invalid option`);
}

/** Merges configs from several files, later files adding templates and overriding settings. */
export function mergeAgentConfigs(a: AgentConfig, b: AgentConfig): AgentConfig {
  return {
    ...a,
    ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
    files: [...a.files, ...b.files],
    vault: { ...a.vault, ...Object.fromEntries(Object.entries(b.vault).filter(([, v]) => v !== undefined)) },
    exitAfterAuth: a.exitAfterAuth || b.exitAfterAuth,
    revokeOnShutdown: a.revokeOnShutdown || b.revokeOnShutdown,
    templates: [...a.templates, ...b.templates],
    envTemplates: [...a.envTemplates, ...b.envTemplates],
    listeners: [...a.listeners, ...b.listeners],
    warnings: [...a.warnings, ...b.warnings],
    autoAuth: b.autoAuth ?? a.autoAuth,
  } as AgentConfig;
}

/** Vault's cross-block checks. */
export function validateAgentConfig(c: AgentConfig): void {
  const fail = (m: string): never => {
    throw new AgentConfigError(`${c.files.join(', ')}: ${m}`);
  };
  if (c.exec && c.envTemplates.length === 0) fail("must specify at least one 'env_template' element with a top-level 'exec' element");
  if (!c.exec && c.envTemplates.length > 0) fail("a top-level 'exec' element must be specified with 'env_template' entries");
  if (c.envTemplates.length > 0 && c.templates.length > 0) fail("'template' cannot be specified with 'env_template' entries");
  if (c.envTemplates.length > 0 && c.apiProxy) fail("'api_proxy' cannot be specified with 'env_template' entries");
  if (c.exec && c.exec.command.length === 0) fail("'exec' requires a non-empty 'command' field");
  for (const t of c.templates) {
    if (t.source === undefined && t.contents === undefined) fail('template: one of "source" or "contents" must be specified');
    if (!t.destination) fail('template: "destination" must be specified');
  }
  if (c.apiProxy && c.listeners.length === 0) fail('configuring the api_proxy requires at least 1 listener to be defined');
  if (c.apiProxy?.useAutoAuthToken && !c.autoAuth) fail('api_proxy.use_auto_auth_token is true but auto_auth not configured');
  if (c.cache && c.templates.length === 0 && c.listeners.length === 0) fail('enabling the cache requires at least 1 template or 1 listener to be defined');
  if (c.autoAuth && c.autoAuth.sinks.length === 0 && c.templates.length === 0 && c.envTemplates.length === 0 && !c.apiProxy?.useAutoAuthToken) {
    fail('auto_auth requires at least one sink or at least one template or api_proxy.use_auto_auth_token=true');
  }
  if (!c.autoAuth && !c.cache && c.listeners.length === 0) fail('no auto_auth, cache, or listener block found in config');
}

/** Loads every -config path (a file, or a directory of *.hcl / *.json files). */
export function loadAgentConfig(paths: string[]): AgentConfig {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new AgentConfigError(`error loading configuration from ${p}: ${(e as Error).message}`);
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.(hcl|json)$/.test(f)) files.push(join(p, f));
    } else files.push(p);
  }
  if (files.length === 0) throw new AgentConfigError('no configuration files found');
  let merged: AgentConfig | undefined;
  for (const f of files) {
    const c = parseAgentConfig(readFileSync(f, 'utf8'), f);
    merged = merged ? mergeAgentConfigs(merged, c) : c;
  }
  validateAgentConfig(merged!);
  return merged!;
}
