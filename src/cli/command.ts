/**
 * What every command shares: its declaration (name, help, flags), the flags every vault
 * command accepts (server address, TLS, token wrapping, output), and the Context a command runs
 * with (parsed flags, Ui, API client built from flags and environment).
 */
import { ApiError, DEFAULT_ADDRESS, NetworkError, VaultClient, type ClientOptions } from '../api/client.js';
import { clientOptionsFromEnv, readStoredToken } from '../api/env.js';
import { formatDuration } from '../lib/duration.js';
import { DryRunClient, DryRunOutput } from './dry-run.js';
import { UsageError, type FlagSpec, type FlagValues } from './flags.js';
import { type CliIO, Ui } from './io.js';

export interface Command {
  /** Words after `coffer`, e.g. "kv get". */
  name: string;
  synopsis: string;
  /** Help text: the usage line and a description (the flag list is appended). */
  help: string;
  flags?: FlagSpec[];
  /** Output flags this command accepts. */
  output?: { field?: boolean; format?: boolean; detailed?: boolean };
  /** No HTTP flags (commands that never talk to a server). */
  local?: boolean;
  run(ctx: Context): Promise<number>;
}

const HTTP = 'HTTP Options';
const OUT = 'Output Options';

export const HTTP_FLAGS: FlagSpec[] = [
  { name: 'address', kind: 'string', env: 'VAULT_ADDR', default: DEFAULT_ADDRESS, section: HTTP, usage: 'Address of the Vault (Coffer) server.' },
  { name: 'agent-address', kind: 'string', env: 'VAULT_AGENT_ADDR', section: HTTP, usage: 'Address of an agent to send requests through; takes precedence over -address.' },
  { name: 'ca-cert', kind: 'string', env: 'VAULT_CACERT', section: HTTP, usage: 'Path to a PEM-encoded CA certificate file used to verify the server\'s TLS certificate. Takes precedence over -ca-path.' },
  { name: 'ca-path', kind: 'string', env: 'VAULT_CAPATH', section: HTTP, usage: 'Path to a directory of PEM-encoded CA certificates used to verify the server\'s TLS certificate.' },
  { name: 'client-cert', kind: 'string', env: 'VAULT_CLIENT_CERT', section: HTTP, usage: 'Path to a PEM-encoded certificate presented to the server for TLS client authentication. Needs -client-key.' },
  { name: 'client-key', kind: 'string', env: 'VAULT_CLIENT_KEY', section: HTTP, usage: 'Path to the PEM-encoded private key matching -client-cert.' },
  { name: 'namespace', kind: 'string', env: 'VAULT_NAMESPACE', aliases: ['ns'], section: HTTP, usage: 'Namespace for the request (sent as X-Vault-Namespace).' },
  { name: 'tls-server-name', kind: 'string', env: 'VAULT_TLS_SERVER_NAME', section: HTTP, usage: 'Server name (SNI) to use for the TLS connection.' },
  { name: 'tls-skip-verify', kind: 'bool', env: 'VAULT_SKIP_VERIFY', section: HTTP, usage: 'Do not verify the server\'s TLS certificate. Insecure: use only for local testing.' },
  { name: 'disable-redirects', kind: 'bool', env: 'VAULT_DISABLE_REDIRECTS', section: HTTP, usage: 'Do not follow a redirect from a standby node.' },
  { name: 'policy-override', kind: 'bool', section: HTTP, usage: 'Accepted for compatibility; Coffer has no Sentinel policies.' },
  { name: 'wrap-ttl', kind: 'duration', env: 'VAULT_WRAP_TTL', section: HTTP, usage: 'Wrap the response in a single-use cubbyhole token with this TTL (e.g. "30s", "5m"); read it back with "coffer unwrap".' },
  { name: 'mfa', kind: 'strings', section: HTTP, usage: 'MFA credentials, sent in the X-Vault-MFA header.' },
  { name: 'header', kind: 'map', section: HTTP, usage: 'An extra HTTP header as key=value; repeatable. Headers starting with X-Vault- are reserved.' },
  { name: 'non-interactive', kind: 'bool', section: HTTP, usage: 'Never prompt or read the terminal for input.' },
  { name: 'output-curl-string', kind: 'bool', section: HTTP, usage: 'Print the equivalent curl command instead of sending the request.' },
  { name: 'output-policy', kind: 'bool', section: HTTP, usage: 'Print the policy this request would need instead of sending it.' },
];

export const FIELD_FLAG: FlagSpec = { name: 'field', kind: 'string', section: OUT, usage: 'Print only this field of the answer, with no trailing newline when piped.' };
export const FORMAT_FLAG: FlagSpec = { name: 'format', kind: 'string', env: 'VAULT_FORMAT', default: 'table', section: OUT, usage: 'Output format: "table", "json" or "yaml".' };
export const DETAILED_FLAG: FlagSpec = { name: 'detailed', kind: 'bool', env: 'VAULT_DETAILED', section: OUT, usage: 'Show additional details.' };

export function commandFlags(cmd: Command): FlagSpec[] {
  const specs = [...(cmd.flags ?? [])];
  if (!cmd.local) specs.push(...HTTP_FLAGS);
  if (cmd.output?.field) specs.push(FIELD_FLAG);
  // -format is read from anywhere on the line; accept it as a flag everywhere too.
  specs.push(FORMAT_FLAG);
  if (cmd.output?.detailed) specs.push(DETAILED_FLAG);
  return specs;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError || e instanceof NetworkError || e instanceof UsageError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export class Context {
  private cached?: VaultClient;

  constructor(
    readonly io: CliIO,
    readonly ui: Ui,
    readonly flags: FlagValues,
    readonly set: Set<string>,
    readonly args: string[],
  ) {}

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** Stdin, or null under -non-interactive (vault then reads nothing). */
  get stdin() {
    return this.flags['non-interactive'] ? null : this.io.stdin;
  }

  /** Set when -output-curl-string or -output-policy stopped the command's request. */
  dryRun?: DryRunOutput;

  /**
   * Reports a failure. Under -output-curl-string / -output-policy the "failure" is the
   * stopped request: its curl command or policy is the command's output, exit 0.
   */
  fail(message: string, code = 2): number {
    if (this.dryRun) {
      this.ui.output(this.dryRun.text);
      return 0;
    }
    this.ui.error(message);
    return code;
  }

  /** The options the flags and environment give, without a token. */
  clientOptions(): ClientOptions {
    const f = this.flags;
    const fromEnv = clientOptionsFromEnv(this.env, { tokenHelper: false });
    const opts: ClientOptions = { ...fromEnv, token: undefined };
    if (f['address']) opts.address = f['address'];
    if (f['agent-address']) opts.address = f['agent-address'];
    if (f['ca-cert']) opts.caCert = f['ca-cert'];
    if (f['ca-path']) opts.caPath = f['ca-path'];
    if (f['client-cert']) opts.clientCert = f['client-cert'];
    if (f['client-key']) opts.clientKey = f['client-key'];
    if (f['tls-server-name']) opts.tlsServerName = f['tls-server-name'];
    opts.skipVerify = !!f['tls-skip-verify'];
    if (f['namespace']) opts.namespace = String(f['namespace']).replace(/^\/+|\/+$/g, '') + '/';
    const wrap = f['wrap-ttl'] as number | undefined;
    opts.wrapTTL = wrap && wrap > 0 ? formatDuration(wrap) : undefined;
    const headers: Record<string, string> = {};
    const forbidden: string[] = [];
    for (const [k, v] of Object.entries((f['header'] as Record<string, string> | undefined) ?? {})) {
      if (k.toLowerCase().startsWith('x-vault-')) forbidden.push(k);
      else headers[k] = v;
    }
    if (forbidden.length) throw new Error(`failed to setup Headers[${forbidden.join(', ')}]: Header starting by 'X-Vault-' are for internal usage only`);
    if (Array.isArray(f['mfa']) && f['mfa'].length) headers['X-Vault-MFA'] = f['mfa'].join(',');
    opts.headers = headers;
    return opts;
  }

  /** A client with no token (login and other unauthenticated calls). */
  clientWithoutToken(): VaultClient {
    const mode = this.flags['output-curl-string'] ? 'curl' : this.flags['output-policy'] ? 'policy' : undefined;
    if (!mode) return new VaultClient(this.clientOptions());
    const client = new DryRunClient(this.clientOptions(), mode);
    const request = client.request.bind(client);
    client.request = async (...args) => {
      try {
        return await request(...args);
      } catch (e) {
        if (e instanceof DryRunOutput) this.dryRun ??= e;
        throw e;
      }
    };
    return client;
  }

  /** The client with the token from VAULT_TOKEN or the token helper (~/.vault-token). */
  client(): VaultClient {
    if (this.cached) return this.cached;
    const c = this.clientWithoutToken();
    c.token = this.env.VAULT_TOKEN?.trim() || readStoredToken(this.env);
    this.cached = c;
    return c;
  }

  close(): void {
    this.cached?.close();
  }
}

/** Runs `fn` and turns a thrown API or network error into `prefix: message` and exit code 2. */
export async function attempt<T>(ctx: Context, prefix: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: number }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof UsageError) return { ok: false, code: ctx.fail(e.message, 1) };
    return { ok: false, code: ctx.fail(prefix ? `${prefix}: ${errorText(e)}` : errorText(e), 2) };
  }
}

/** Path cleanup every command applies to its path argument. */
export function sanitizePath(s: string): string {
  return s.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

export function ensureTrailingSlash(s: string): string {
  const t = s.trim();
  if (!t) return '';
  return t.endsWith('/') ? t : `${t}/`;
}

/** Vault's "Not enough/Too many arguments" checks; returns an exit code or undefined. */
export function checkArgs(ctx: Context, min: number, max: number, expected?: string): number | undefined {
  const n = ctx.args.length;
  const want = expected ?? (min === max ? String(min) : `${min}-${max}`);
  if (n < min) return ctx.fail(`Not enough arguments (expected ${want}, got ${n})`, 1);
  if (n > max) return ctx.fail(`Too many arguments (expected ${want}, got ${n})`, 1);
  return undefined;
}
