/**
 * The contract between the engine and a database plugin (Vault's dbplugin v5: Initialize,
 * NewUser, UpdateUser, DeleteUser, Close), the connection settings every SQL plugin shares
 * (Vault's SQLConnectionProducer), and the catalog of built-in plugin names.
 */
import { parseDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';

export interface NewUserRequest {
  username: string;
  password: string;
  expiration: Date;
  statements: string[];
}

export interface UpdateUserRequest {
  username: string;
  password?: { value: string; statements: string[] };
  expiration?: { value: Date; statements: string[] };
}

export interface DatabasePlugin {
  /** The name template used when the config has no username_template. */
  readonly defaultUsernameTemplate: string;
  /** Opens (or reuses) the pool and checks the database answers. */
  verify(): Promise<void>;
  newUser(req: NewUserRequest): Promise<void>;
  updateUser(req: UpdateUserRequest): Promise<void>;
  deleteUser(username: string, statements: string[]): Promise<void>;
  close(): Promise<void>;
}

/** connection_details as stored: whatever the operator wrote besides the engine's own fields. */
export type ConnectionDetails = Record<string, unknown>;

export interface ConnectionSettings {
  connectionUrl: string;
  username: string;
  password: string;
  maxOpen: number;
  maxIdle: number;
  /** Seconds; 0 = unlimited. */
  maxLifetime: number;
  usernameTemplate: string;
  disableEscaping: boolean;
}

const str = (d: ConnectionDetails, k: string): string => {
  const v = d[k];
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badRequest(`error converting input for field "${k}": expected a string`);
};

const int = (d: ConnectionDetails, k: string): number => {
  const v = d[k];
  if (v === undefined || v === null || v === '') return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`error converting input for field "${k}": expected a non-negative integer`);
  return n;
};

const bool = (d: ConnectionDetails, k: string): boolean => {
  const v = d[k];
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', '1', 't'].includes(v.toLowerCase())) return true;
  if (typeof v === 'string' && ['false', '0', 'f'].includes(v.toLowerCase())) return false;
  throw badRequest(`error converting input for field "${k}": expected a boolean`);
};

/**
 * Reads the shared settings, refusing what Vault refuses. `escapePassword` is false for
 * MySQL, whose DSN is not a URL (Vault leaves its password unescaped too).
 */
export function connectionSettings(d: ConnectionDetails, escapePassword: boolean): ConnectionSettings {
  const connectionUrl = str(d, 'connection_url');
  if (!connectionUrl) throw badRequest('error creating database object: connection_url cannot be empty');
  const username = str(d, 'username');
  const password = str(d, 'password');
  if ([username, password].some((v) => v.includes('{{username}}') || v.includes('{{password}}'))) {
    throw badRequest('error creating database object: username and/or password cannot contain the template variables');
  }
  const maxOpen = int(d, 'max_open_connections') || 4;
  let maxIdle = int(d, 'max_idle_connections') || maxOpen;
  if (maxIdle > maxOpen) maxIdle = maxOpen;
  let maxLifetime = 0;
  const rawLifetime = d.max_connection_lifetime;
  if (rawLifetime !== undefined && rawLifetime !== null && rawLifetime !== '') {
    try { maxLifetime = parseDuration(rawLifetime); } catch { maxLifetime = -1; }
    if (maxLifetime < 0) throw badRequest('error creating database object: invalid max_connection_lifetime');
  }
  const disableEscaping = bool(d, 'disable_escaping');
  const u = disableEscaping ? username : encodeURIComponent(username);
  const p = disableEscaping || !escapePassword ? password : encodeURIComponent(password);
  return {
    connectionUrl: connectionUrl.split('{{username}}').join(u).split('{{password}}').join(p),
    username, password, maxOpen, maxIdle, maxLifetime,
    usernameTemplate: str(d, 'username_template'),
    disableEscaping,
  };
}

/**
 * Removes the root password (and its escaped forms) from a driver message before it reaches
 * a client or a log (Vault's DatabaseErrorSanitizerMiddleware).
 */
export function sanitize(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) {
    // Masking a one- to three-character "password" would only garble words ("e[password]ist").
    if (s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[password]');
  }
  return out;
}

export type PluginKind = 'postgresql' | 'mysql' | 'mysql-legacy';

/** Built-in plugin names (Vault's catalog) → the implementation behind them. */
const CATALOG: Record<string, PluginKind> = {
  'postgresql-database-plugin': 'postgresql',
  'mysql-database-plugin': 'mysql',
  'mysql-aurora-database-plugin': 'mysql-legacy',
  'mysql-rds-database-plugin': 'mysql-legacy',
  'mysql-legacy-database-plugin': 'mysql-legacy',
};

export function pluginKind(name: string): PluginKind | undefined {
  return Object.prototype.hasOwnProperty.call(CATALOG, name) ? CATALOG[name] : undefined;
}
