/**
 * <mount>/creds/:name: a new database user under a lease. The user's name comes from the name
 * template, its password from the default generator; the role's creation statements run in
 * one transaction with a VALID UNTIL a few seconds past the lease. Renewal moves that date
 * (capped by the role's max_ttl); revocation runs the role's revocation statements, or the
 * plugin's default, and throws while the database cannot be reached so the lease manager
 * retries it.
 */
import type { SystemView } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { LogicalStorage, Request, Response } from '../../framework/types.js';
import { badRequest, CofferError, isCofferError } from '../../lib/errors.js';
import type { Connections, DatabaseConfig } from './connections.js';
import { generatePassword, generateUsername } from './credentials.js';
import { sanitize } from './plugin.js';
import { readRole, type DatabaseRole } from './roles.js';

export const CREDS_TYPE = 'creds';
/** The database keeps a user a little longer than its lease, so revocation, not expiry, ends it (Vault adds 5 s). */
const EXPIRATION_GRACE_MS = 5_000;

export interface CredsDeps {
  storage: LogicalStorage;
  system: SystemView;
  connections: Connections;
  now: () => number;
}

/** Vault's StrListContainsGlob: `*` anywhere in an allowed entry matches any run of characters. */
export function roleAllowed(config: DatabaseConfig, role: string): boolean {
  return config.allowed_roles.some((p) => p === '*' || new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(role));
}

export function notAllowed(role: string): CofferError {
  // Vault answers 500 with this text; kept, so clients that match on it still do.
  return new CofferError(500, `"${role}" is not an allowed role`);
}

/** The database's own failure: its (sanitized) message, as Vault shows it, never a bare "internal error". */
export function databaseError(e: unknown, secrets: string[] = []): CofferError {
  if (isCofferError(e)) return e;
  // A syntax error may quote the statement, and with it the password being set.
  return new CofferError(500, sanitize((e as Error)?.message ?? String(e), secrets));
}

/** Role TTLs within the mount's: [ttl, max] in seconds. */
function limits(system: SystemView, role: DatabaseRole): { ttl: number; max: number } {
  const max = role.max_ttl > 0 && role.max_ttl < system.maxLeaseTTL() ? role.max_ttl : system.maxLeaseTTL();
  const ttl = role.default_ttl > 0 ? role.default_ttl : system.defaultLeaseTTL();
  return { ttl: Math.min(ttl, max), max };
}

export async function createCreds(deps: CredsDeps, req: Request, d: FieldData): Promise<Response> {
  const name = d.str('name');
  const role = await readRole(deps.storage, name);
  if (!role) throw badRequest(`unknown role: ${name}`);
  const { config, plugin } = await deps.connections.get(role.db_name);
  if (!roleAllowed(config, name)) throw notAllowed(name);
  if (role.credential_type !== 'password') throw badRequest(`unsupported credential_type: "${role.credential_type}"`);
  if (!role.creation_statements.length) throw badRequest('empty creation statements');
  const { ttl, max } = limits(deps.system, role);
  const template = typeof config.connection_details.username_template === 'string' && config.connection_details.username_template
    ? config.connection_details.username_template : plugin.defaultUsernameTemplate;
  let username: string;
  try {
    username = await generateUsername(template, req.token?.displayName ?? '', name, deps.now);
  } catch (e) {
    throw badRequest(`unable to generate username: ${(e as Error).message}`);
  }
  const password = generatePassword();
  try {
    await plugin.newUser({ username, password, expiration: new Date(deps.now() + ttl * 1000 + EXPIRATION_GRACE_MS), statements: role.creation_statements });
  } catch (e) {
    throw databaseError(e, [password]);
  }
  return {
    data: { username, password },
    secret: {
      type: CREDS_TYPE, ttl, renewable: true, ...(role.max_ttl ? { maxTTL: max } : {}),
      internal: { username, role: name, db_name: role.db_name, revocation_statements: role.revocation_statements },
    },
  };
}

export async function renewCreds(deps: CredsDeps, req: Request): Promise<Response> {
  const s = req.secret!;
  const username = s.internal.username;
  const roleName = s.internal.role;
  if (typeof username !== 'string') throw new Error('secret is missing "username" field in internal data');
  if (typeof roleName !== 'string') throw new Error('secret is missing "role" field in internal data');
  const role = await readRole(deps.storage, roleName);
  if (!role) throw badRequest(`error during renew: could not find role with name "${roleName}"`);
  const { plugin } = await deps.connections.get(role.db_name);
  const { ttl: roleTTL, max } = limits(deps.system, role);
  const now = deps.now();
  let ttl = s.increment && s.increment > 0 ? s.increment : roleTTL;
  const left = s.issueTime + max - Math.floor(now / 1000);
  if (left <= 0) throw badRequest('past the max TTL, cannot renew');
  ttl = Math.min(ttl, left);
  try {
    await plugin.updateUser({ username, expiration: { value: new Date(now + ttl * 1000 + EXPIRATION_GRACE_MS), statements: role.renew_statements } });
  } catch (e) {
    throw databaseError(e);
  }
  return { secret: { type: CREDS_TYPE, ttl: role.default_ttl, renewable: true, ...(role.max_ttl ? { maxTTL: role.max_ttl } : {}), internal: s.internal } };
}

/** Errors here are plain (retryable): a database that is down now may be up at the next attempt. */
export async function revokeCreds(deps: CredsDeps, req: Request): Promise<void> {
  const internal = req.secret?.internal ?? {};
  const username = internal.username;
  if (typeof username !== 'string' || !username) throw new Error('secret is missing username internal data');
  const roleName = String(internal.role ?? '');
  const role = await readRole(deps.storage, roleName);
  let dbName: string;
  let statements: string[];
  if (role) {
    dbName = role.db_name;
    statements = role.revocation_statements;
  } else {
    // The role was deleted after issuing: the lease carries what revocation needs.
    if (typeof internal.db_name !== 'string') throw new Error(`error during revoke: could not find role with name "${roleName}" or embedded revocation db name data`);
    dbName = internal.db_name;
    statements = Array.isArray(internal.revocation_statements) ? internal.revocation_statements.filter((x): x is string => typeof x === 'string') : [];
  }
  let conn;
  try {
    conn = await deps.connections.get(dbName);
  } catch (e) {
    throw new Error((e as Error).message);
  }
  await conn.plugin.deleteUser(username, statements);
}
