/** auth/approle/role/:role_name and its role-id sub-path. */
import { randomUUID } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import { badRequest } from '../../lib/errors.js';
import { defaultTokenParams, parseTokenParams, tokenFields, tokenParamsJSON } from '../token-fields.js';
import type { AppRoleStore, Role } from './store.js';

export const roleFields: FieldTable = {
  role_name: { type: 'string', description: 'Name of the role.' },
  bind_secret_id: { type: 'bool', default: true, description: "Impose secret_id to be presented when logging in using this role." },
  secret_id_bound_cidrs: { type: 'strings', description: 'CIDR blocks from which secret IDs may be used to log in.' },
  secret_id_num_uses: { type: 'int', description: 'Number of times a SecretID can access the role, after which the SecretID will expire.' },
  secret_id_ttl: { type: 'duration', description: 'Duration in seconds after which the issued SecretID should expire.' },
  local_secret_ids: { type: 'bool' },
  role_id: { type: 'string', description: 'Identifier of the role. Defaults to a UUID.' },
  ...tokenFields,
};

export function rolePaths(store: AppRoleStore): PathDef[] {
  const write = async (_r: unknown, d: FieldData) => {
    const name = d.str('role_name');
    if (!/^[\w.@-]+$/.test(name)) throw badRequest('invalid role_name');
    const existing = await store.getRole(name);
    const base: Role = existing ?? {
      ...defaultTokenParams(), role_id: '', bind_secret_id: true, secret_id_bound_cidrs: [], secret_id_num_uses: 0,
      secret_id_ttl: 0, local_secret_ids: false,
    };
    const role: Role = { ...base, ...parseTokenParams(d, base) };
    for (const k of ['bind_secret_id', 'secret_id_bound_cidrs', 'secret_id_num_uses', 'secret_id_ttl', 'local_secret_ids'] as const) {
      if (d.has(k)) (role as unknown as Record<string, unknown>)[k] = d.get(k);
    }
    if (role.secret_id_num_uses < 0) throw badRequest('secret_id_num_uses cannot be negative');
    const previous = existing?.role_id;
    if (d.str('role_id')) role.role_id = d.str('role_id');
    if (!role.role_id) role.role_id = randomUUID();
    if (role.role_id !== previous) {
      const owner = await store.roleIdInUse(role.role_id);
      if (owner && owner !== name.toLowerCase()) throw badRequest('role_id already in use');
    }
    if (!role.bind_secret_id && !role.secret_id_bound_cidrs.length && !role.token_bound_cidrs.length) {
      throw badRequest('at least one constraint should be enabled on the role');
    }
    await store.putRole(name, role, previous);
    return null;
  };
  return [
    { pattern: 'role', operations: { list: async () => ({ data: { keys: (await store.listRoles()).sort() } }) } },
    {
      pattern: 'role/:role_name/role-id',
      fields: { role_name: { type: 'string' }, role_id: { type: 'string', required: true } },
      operations: {
        read: async (_r, d) => {
          const role = await store.getRole(d.str('role_name'));
          return role ? { data: { role_id: role.role_id } } : null;
        },
        update: async (_r, d) => {
          const role = await store.getRole(d.str('role_name'));
          if (!role) throw badRequest('role does not exist');
          const owner = await store.roleIdInUse(d.str('role_id'));
          if (owner && owner !== d.str('role_name').toLowerCase()) throw badRequest('role_id already in use');
          const previous = role.role_id;
          role.role_id = d.str('role_id');
          await store.putRole(d.str('role_name'), role, previous);
          return null;
        },
      },
    },
    {
      pattern: 'role/:role_name',
      fields: roleFields,
      existenceCheck: async (_r, d) => (await store.getRole(d.str('role_name'))) !== undefined,
      operations: {
        read: async (_r, d) => {
          const role = await store.getRole(d.str('role_name'));
          if (!role) return null;
          const { role_id: _id, token_params_unused: _u, ...rest } = role as Role & { token_params_unused?: unknown };
          return {
            data: {
              ...tokenParamsJSON(rest), bind_secret_id: rest.bind_secret_id, secret_id_bound_cidrs: rest.secret_id_bound_cidrs,
              secret_id_num_uses: rest.secret_id_num_uses, secret_id_ttl: rest.secret_id_ttl, local_secret_ids: rest.local_secret_ids,
            },
          };
        },
        create: write,
        update: write,
        delete: async (_r, d) => { await store.deleteRole(d.str('role_name')); return null; },
      },
    },
  ];
}
