/**
 * `coffer server -config=FILE`: Vault's server configuration schema, in HCL or JSON.
 * The file is decoded to Vault's JSON shape first, so both syntaxes share one validator.
 * Unknown stanzas warn; bad values fail start with a message naming the file and line.
 */
import { readFileSync } from 'node:fs';
import type { ListenerConfig } from '../http/server.js';
import { parseDuration } from '../lib/duration.js';
import { decodeConfigText } from './config-decode.js';

export interface ServerConfig {
  storage: { type: string; options: Record<string, string> };
  listeners: ListenerConfig[];
  apiAddr?: string;
  clusterName?: string;
  defaultLeaseTTL?: number;
  maxLeaseTTL?: number;
  disableMlock: boolean;
  ui: boolean;
  logLevel: string;
  warnings: string[];
}

export class ConfigError extends Error {}

const KNOWN = new Set([
  'storage', 'backend', 'ha_storage', 'listener', 'api_addr', 'cluster_addr', 'cluster_name', 'default_lease_ttl',
  'max_lease_ttl', 'disable_mlock', 'ui', 'log_level', 'log_format', 'pid_file', 'seal', 'telemetry', 'plugin_directory',
  'disable_cache', 'raw_storage_endpoint', 'introspection_endpoint', 'enable_response_header_hostname', 'log_file',
]);
const STORAGE_ALIASES: Record<string, string> = { inmem: 'memory', memory: 'memory', sqlite: 'sqlite', file: 'sqlite', postgresql: 'postgresql' };

type Lines = (path: string) => number | undefined;

function fail(file: string, lines: Lines, path: string, msg: string): never {
  const line = lines(path);
  throw new ConfigError(`error loading configuration from ${file}${line ? ` (line ${line})` : ''}: ${msg}`);
}

function asBool(file: string, lines: Lines, path: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  fail(file, lines, path, `${path}: expected a boolean, got ${JSON.stringify(v)}`);
}

function asTTL(file: string, lines: Lines, path: string, v: unknown): number {
  try {
    const n = parseDuration(v);
    if (n < 0) throw new Error('negative');
    return n;
  } catch {
    fail(file, lines, path, `${path}: invalid duration ${JSON.stringify(v)}`);
  }
}

/** Blocks decode to `{ label: body }` or a list of those; normalize to [label, body] pairs. */
function labelled(v: unknown): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (const item of Array.isArray(v) ? v : [v]) {
    if (item && typeof item === 'object') {
      for (const [k, body] of Object.entries(item as Record<string, unknown>)) {
        for (const b of Array.isArray(body) ? body : [body]) out.push([k, (b ?? {}) as Record<string, unknown>]);
      }
    }
  }
  return out;
}

export function parseServerConfig(text: string, file: string): ServerConfig {
  let tree: Record<string, unknown>;
  let lines: Lines;
  try {
    ({ tree, lines } = decodeConfigText(text, file));
  } catch (e) {
    throw new ConfigError(`error loading configuration from ${file}: ${(e as Error).message}`);
  }
  const warnings: string[] = [];
  for (const key of Object.keys(tree)) {
    if (!KNOWN.has(key)) warnings.push(`unknown or unsupported field ${key} found in configuration at ${file}${lines(key) ? `:${lines(key)}` : ''}`);
  }
  const storageRaw = tree.storage ?? tree.backend;
  if (!storageRaw) fail(file, lines, 'storage', 'no "storage" stanza: Coffer needs one (e.g. storage "sqlite" { path = "/var/lib/coffer/coffer.db" })');
  const storages = labelled(storageRaw);
  if (storages.length !== 1) fail(file, lines, 'storage', 'exactly one storage stanza is required');
  const [sType, sBody] = storages[0]!;
  const type = STORAGE_ALIASES[sType];
  if (!type) fail(file, lines, 'storage', `unknown storage type "${sType}" (supported: sqlite, file, inmem, postgresql)`);
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(sBody)) options[k] = String(v);
  if (type === 'sqlite' && !options.path) fail(file, lines, 'storage', 'storage "sqlite": "path" is required');

  const listeners: ListenerConfig[] = [];
  for (const [lType, body] of labelled(tree.listener ?? [])) {
    if (lType !== 'tcp') { warnings.push(`unsupported listener type "${lType}" ignored`); continue; }
    const address = String(body.address ?? '127.0.0.1:8200');
    if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(address)) fail(file, lines, 'listener', `listener "tcp": invalid address "${address}"`);
    const tlsDisable = body.tls_disable === undefined ? false : asBool(file, lines, 'listener', body.tls_disable);
    const l: ListenerConfig = { address, tlsDisable };
    if (!tlsDisable) {
      if (!body.tls_cert_file || !body.tls_key_file) fail(file, lines, 'listener', 'listener "tcp": tls_cert_file and tls_key_file are required unless tls_disable = true');
      l.tlsCertFile = String(body.tls_cert_file);
      l.tlsKeyFile = String(body.tls_key_file);
      if (body.tls_client_ca_file) l.tlsClientCAFile = String(body.tls_client_ca_file);
    }
    for (const k of Object.keys(body)) {
      if (!['address', 'tls_disable', 'tls_cert_file', 'tls_key_file', 'tls_client_ca_file', 'tls_min_version', 'cluster_address', 'telemetry', 'proxy_protocol_behavior', 'x_forwarded_for_authorized_addrs', 'tls_disable_client_certs', 'tls_require_and_verify_client_cert'].includes(k)) {
        warnings.push(`unknown listener field ${k} ignored`);
      }
    }
    listeners.push(l);
  }
  if (!listeners.length) fail(file, lines, 'listener', 'no "listener" stanza: at least one listener "tcp" is required');

  const cfg: ServerConfig = {
    storage: { type, options },
    listeners,
    disableMlock: tree.disable_mlock === undefined ? false : asBool(file, lines, 'disable_mlock', tree.disable_mlock),
    ui: tree.ui === undefined ? false : asBool(file, lines, 'ui', tree.ui),
    logLevel: String(tree.log_level ?? 'info').toLowerCase(),
    warnings,
  };
  if (!['trace', 'debug', 'info', 'warn', 'error', 'err'].includes(cfg.logLevel)) fail(file, lines, 'log_level', `invalid log_level "${cfg.logLevel}"`);
  if (tree.api_addr !== undefined) cfg.apiAddr = String(tree.api_addr);
  if (tree.cluster_name !== undefined) cfg.clusterName = String(tree.cluster_name);
  if (tree.default_lease_ttl !== undefined) cfg.defaultLeaseTTL = asTTL(file, lines, 'default_lease_ttl', tree.default_lease_ttl);
  if (tree.max_lease_ttl !== undefined) cfg.maxLeaseTTL = asTTL(file, lines, 'max_lease_ttl', tree.max_lease_ttl);
  if (cfg.defaultLeaseTTL && cfg.maxLeaseTTL && cfg.defaultLeaseTTL > cfg.maxLeaseTTL) {
    fail(file, lines, 'default_lease_ttl', 'default_lease_ttl cannot be greater than max_lease_ttl');
  }
  return cfg;
}

export function loadServerConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`error loading configuration from ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseServerConfig(text, file);
}
