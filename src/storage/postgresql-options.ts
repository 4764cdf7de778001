/**
 * The `storage "postgresql" { … }` stanza, read the way Vault reads it: every option arrives
 * as a string, defaults match Vault's, and VAULT_PG_CONNECTION_URL overrides connection_url.
 * Nothing here ever puts the connection password into a message.
 */

export interface PostgresOptions {
  /** Empty means "let libpq-style PG* environment variables decide", as Vault allows. */
  connectionString: string;
  table: string;
  haTable: string;
  /** Upper bound on open connections (Vault: max_parallel, default 128). */
  maxParallel: number;
  /** Connections kept open while idle; undefined leaves it to the pool. */
  maxIdle?: number;
  haEnabled: boolean;
  skipCreateTable: boolean;
  /** Attempts at the first connection before start fails; 0 means keep trying. */
  maxConnectRetries: number;
}

function fail(msg: string): never {
  throw new Error(`storage "postgresql": ${msg}`);
}

function integer(options: Record<string, string>, name: string, fallback: number, min: number): number {
  const raw = options[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\s*-?\d+\s*$/.test(raw)) fail(`failed parsing ${name} parameter: "${raw}" is not an integer`);
  const n = Number(raw);
  if (n < min) fail(`${name} must be at least ${min}, got ${n}`);
  return n;
}

function bool(options: Record<string, string>, name: string): boolean {
  const raw = options[name];
  if (raw === undefined || raw.trim() === '') return false;
  const v = raw.trim().toLowerCase();
  if (['true', '1', 't', 'yes'].includes(v)) return true;
  if (['false', '0', 'f', 'no'].includes(v)) return false;
  fail(`${name} must be "true" or "false", got "${raw}"`);
}

export function parsePostgresOptions(options: Record<string, string>, env: NodeJS.ProcessEnv = process.env): PostgresOptions {
  // Unknown options are ignored, as Vault ignores them, so a Vault config loads unchanged.
  const fromEnv = env.VAULT_PG_CONNECTION_URL;
  const connectionString = fromEnv && fromEnv.trim() !== '' ? fromEnv : options.connection_url ?? '';
  const table = options.table ?? 'vault_kv_store';
  const haTable = options.ha_table ?? options.haTable ?? 'vault_ha_locks';
  for (const [name, v] of [['table', table], ['ha_table', haTable]] as const) {
    if (v.trim() === '') fail(`${name} must not be empty`);
    if (v.includes('\0')) fail(`${name} must not contain a NUL byte`);
  }
  const parsed: PostgresOptions = {
    connectionString,
    table,
    haTable,
    maxParallel: integer(options, 'max_parallel', 128, 1),
    haEnabled: bool(options, 'ha_enabled'),
    skipCreateTable: bool(options, 'skip_create_table'),
    maxConnectRetries: integer(options, 'max_connect_retries', 1, 0),
  };
  if (options.max_idle_connections !== undefined && options.max_idle_connections.trim() !== '') {
    parsed.maxIdle = integer(options, 'max_idle_connections', 0, 0);
  }
  // Validated as Vault does, but Coffer has one pool: transactions share max_parallel.
  integer(options, 'transaction_max_parallel', 128, 1);
  return parsed;
}

/** The password in a postgres:// URL or a `password=…` keyword string, if any. */
export function connectionPassword(connectionString: string): string | undefined {
  const s = connectionString.trim();
  if (/^postgres(ql)?:\/\//i.test(s)) {
    const at = s.lastIndexOf('@');
    const start = s.indexOf('://') + 3;
    if (at > start) {
      const userinfo = s.slice(start, at);
      const colon = userinfo.indexOf(':');
      if (colon !== -1) {
        const raw = userinfo.slice(colon + 1);
        try {
          return decodeURIComponent(raw);
        } catch {
          return raw;
        }
      }
    }
    const q = /[?&]password=([^&]*)/i.exec(s);
    if (q) {
      try {
        return decodeURIComponent(q[1]!);
      } catch {
        return q[1];
      }
    }
    return undefined;
  }
  const kw = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(s);
  if (!kw) return undefined;
  const v = kw[1]!;
  return v.startsWith("'") ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** Where the connection goes, for error messages: host, port and database, never credentials. */
export function describeTarget(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    if (!/^postgres(ql)?:$/i.test(u.protocol)) return 'PostgreSQL';
    return `${u.protocol}//${u.host || 'localhost'}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** Replaces every copy of the password (raw and URL-encoded) in a message. */
export function scrubSecret(message: string, password: string | undefined): string {
  if (!password || password.length < 3) return message;
  let out = message;
  for (const form of new Set([password, encodeURIComponent(password)])) out = out.split(form).join('*****');
  return out;
}
