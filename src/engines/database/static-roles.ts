/**
 * Static roles: an existing database user whose password Coffer owns. <mount>/static-roles/:name
 * manages the role (the password is set at once on creation), <mount>/static-creds/:name reads
 * the current password, <mount>/rotate-role/:name rotates it now; a ticker (static-rotation.ts)
 * rotates each role every rotation_period. A rotation writes the new password ahead of the
 * database change, so a crash between the two is finished by the next attempt with the same
 * password instead of losing it.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import type { Connections } from './connections.js';
import { databaseError, notAllowed, roleAllowed } from './creds.js';
import { generatePassword } from './credentials.js';
import { checkCredentialConfig, checkCredentialType, readRole } from './roles.js';
import { statementsField } from './statements.js';

/** Vault's queue tick: rotation periods shorter than this could not be honoured. */
export const MIN_ROTATION_PERIOD = 5;

export interface StaticRole {
  db_name: string;
  username: string;
  rotation_period: number;
  rotation_statements: string[];
  credential_type: string;
  password: string;
  /** RFC 3339; empty until the first rotation. */
  last_vault_rotation: string;
  /** Epoch ms of the next scheduled rotation. */
  next_rotation: number;
}

const staticKey = (name: string) => `static-role/${name}`;
const walKey = (name: string) => `static-wal/${name}`;
export const readStaticRole = (storage: LogicalStorage, name: string) => storage.getJSON<StaticRole>(staticKey(name));
export const listStaticRoles = (storage: LogicalStorage) => storage.list('static-role/');

export const staticRoleFields: FieldTable = {
  name: { type: 'string', description: 'Name of the role.' },
  db_name: { type: 'string', description: 'Name of the database this role acts on.' },
  username: { type: 'string', description: 'Name of the static user account for Vault to manage. Requires "rotation_period" to be specified' },
  rotation_period: { type: 'duration', description: 'Period for automatic credential rotation of the given username. Not valid unless used with "username".' },
  rotation_statements: { type: 'any', description: 'Specifies the database statements to be executed to rotate the accounts credentials. Not every plugin type will support this functionality. See the plugin\'s API page for more information on support and formatting for this parameter.' },
  credential_type: { type: 'string', description: 'The type of credential to manage. Options include: \'password\'. Defaults to \'password\'.' },
  credential_config: { type: 'map', description: 'The configuration for the given credential_type.' },
};

export class StaticRotator {
  private readonly locks = new KeyedMutex();

  constructor(private readonly storage: LogicalStorage, private readonly connections: Connections, private readonly now: () => number = Date.now) {}

  /** Sets a new password on the user and records it; serialized per role. */
  rotate(name: string, role?: StaticRole): Promise<StaticRole> {
    return this.locks.run(name, async () => {
      const r = role ?? (await readStaticRole(this.storage, name));
      if (!r) throw badRequest('no static role found for role name');
      const pending = await this.storage.getJSON<{ password: string }>(walKey(name));
      const password = pending?.password ?? generatePassword();
      if (!pending) await this.storage.putJSON(walKey(name), { password });
      const { plugin } = await this.connections.get(r.db_name);
      try {
        await plugin.updateUser({ username: r.username, password: { value: password, statements: r.rotation_statements } });
      } catch (e) {
        throw databaseError(e, [password]);
      }
      const now = this.now();
      const next: StaticRole = { ...r, password, last_vault_rotation: new Date(now).toISOString(), next_rotation: now + r.rotation_period * 1000 };
      await this.storage.transaction([
        { op: 'put', key: staticKey(name), value: new TextEncoder().encode(JSON.stringify(next)) },
        { op: 'delete', key: walKey(name) },
      ]);
      return next;
    });
  }

  /** Rotates every role whose time has come; a failure is retried 10 s later. Returns how many rotated. */
  async rotateDue(onError: (name: string, e: Error) => void): Promise<number> {
    let done = 0;
    for (const name of await listStaticRoles(this.storage)) {
      const r = await readStaticRole(this.storage, name);
      if (!r || r.next_rotation > this.now()) continue;
      try {
        await this.rotate(name);
        done++;
      } catch (e) {
        onError(name, e as Error);
        const again = await readStaticRole(this.storage, name);
        if (again) await this.storage.putJSON(staticKey(name), { ...again, next_rotation: this.now() + 10_000 });
      }
    }
    return done;
  }

  async write(d: FieldData, create: boolean): Promise<null> {
    const name = d.str('name');
    if (!name) throw badRequest('empty role name attribute given');
    if (await readRole(this.storage, name)) throw badRequest('Role and Static Role names must be unique');
    const stored = await readStaticRole(this.storage, name);
    const role: StaticRole = stored ?? {
      db_name: '', username: '', rotation_period: 0, rotation_statements: [], credential_type: 'password', password: '', last_vault_rotation: '', next_rotation: 0,
    };
    if (d.has('db_name') || create) role.db_name = d.str('db_name');
    if (!role.db_name) throw badRequest('database name is a required field');
    if (d.has('username')) {
      if (stored && d.str('username') !== stored.username) throw badRequest('cannot update static account username');
      role.username = d.str('username');
    }
    if (!role.username) throw badRequest('username is a required field to create a static account');
    if (d.has('rotation_period')) {
      const p = d.int('rotation_period');
      if (p < MIN_ROTATION_PERIOD) throw badRequest(`rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`);
      role.rotation_period = p;
      if (stored?.last_vault_rotation) role.next_rotation = Date.parse(stored.last_vault_rotation) + p * 1000;
    } else if (!stored) {
      throw badRequest('rotation_period is required to create static accounts');
    }
    if (d.has('credential_type')) role.credential_type = checkCredentialType(d.str('credential_type'));
    checkCredentialConfig(d);
    if (d.has('rotation_statements') || create) role.rotation_statements = statementsField('rotation_statements', d.raw.rotation_statements);
    // The config must exist before the account is taken over.
    await this.connections.get(role.db_name);
    if (!stored) {
      await this.rotate(name, role);
      return null;
    }
    await this.storage.putJSON(staticKey(name), role);
    return null;
  }

  async remove(name: string): Promise<void> {
    await this.locks.run(name, async () => {
      await this.storage.transaction([{ op: 'delete', key: staticKey(name) }, { op: 'delete', key: walKey(name) }]);
    });
  }
}

function staticReadData(r: StaticRole): Record<string, unknown> {
  return {
    db_name: r.db_name,
    username: r.username,
    rotation_period: r.rotation_period,
    rotation_statements: r.rotation_statements,
    credential_type: r.credential_type,
    ...(r.last_vault_rotation ? { last_vault_rotation: r.last_vault_rotation } : {}),
  };
}

export function staticRolePaths(storage: LogicalStorage, connections: Connections, rotator: StaticRotator, now: () => number = Date.now): PathDef[] {
  const name = { name: { type: 'string' as const, description: 'Name of the static role.' } };
  return [
    {
      pattern: 'static-roles',
      synopsis: 'Manage the static roles that can be created with this backend.',
      operations: { list: async () => ({ data: { keys: (await listStaticRoles(storage)).sort() } }) },
    },
    {
      pattern: 'static-roles/:name',
      fields: staticRoleFields,
      synopsis: 'Manage the static roles that can be created with this backend.',
      existenceCheck: async (_req, d) => (await readStaticRole(storage, d.str('name'))) !== undefined,
      operations: {
        read: async (_req, d) => {
          const r = await readStaticRole(storage, d.str('name'));
          return r ? { data: staticReadData(r) } : null;
        },
        create: async (req, d) => rotator.write(d, req.operation === 'create'),
        update: async (req, d) => rotator.write(d, req.operation === 'create'),
        delete: async (_req, d) => {
          await rotator.remove(d.str('name'));
          return null;
        },
      },
    },
    {
      pattern: 'static-creds/:name',
      fields: name,
      synopsis: 'Request database credentials for a certain static role. These credentials are rotated periodically.',
      operations: {
        read: async (_req, d) => {
          const n = d.str('name');
          const r = await readStaticRole(storage, n);
          if (!r) throw badRequest(`unknown role: ${n}`);
          const { config } = await connections.get(r.db_name);
          if (!roleAllowed(config, n)) throw notAllowed(n);
          return {
            data: {
              username: r.username,
              password: r.password,
              last_vault_rotation: r.last_vault_rotation,
              rotation_period: r.rotation_period,
              ttl: Math.max(0, Math.floor((r.next_rotation - now()) / 1000)),
            },
          };
        },
      },
    },
    {
      pattern: 'rotate-role/:name',
      fields: name,
      synopsis: 'Request to rotate the credentials for a static user account.',
      operations: {
        update: async (_req, d) => {
          await rotator.rotate(d.str('name'));
          return null;
        },
      },
    },
  ];
}
