/**
 * The token auth method (auth/token/): create, look up, renew and revoke tokens, and token
 * roles. The store itself lives in core (it runs on every request); this is its API.
 */
import type { Core } from '../../core/core.js';
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import { badRequest } from '../../lib/errors.js';
import { createFields, createToken } from './path-create.js';
import { managePaths } from './path-manage.js';
import { parseRole, roleFields, roleJSON, roleStore } from './roles.js';

export const tokenFactory: BackendFactory = (ctx): BackendDef => {
  const core = ctx.system.service<Core>('core')!;
  const roles = roleStore(ctx.storage);
  return {
    help: 'The token credential backend is always enabled and builtin to Coffer. Client tokens are used to identify a client and to allow Coffer to associate policies and ACLs which are enforced on every request.',
    rootPaths: ['revoke-orphan/*', 'accessors*'],
    paths: [
      { pattern: 'create-orphan', fields: createFields, operations: { update: (req, d) => createToken(core, req, d, { orphanPath: true }) }, synopsis: 'Create an orphan token.' },
      {
        pattern: 'create/:role_name',
        fields: createFields,
        synopsis: 'Create a token using a role.',
        operations: {
          update: async (req, d) => {
            const role = await roles.get(d.str('role_name'));
            if (!role) throw badRequest(`unknown role ${d.str('role_name')}`);
            return createToken(core, req, d, { orphanPath: false, role });
          },
        },
      },
      { pattern: 'create', fields: createFields, operations: { update: (req, d) => createToken(core, req, d, { orphanPath: false }) }, synopsis: 'Create a new token.' },
      ...managePaths(core),
      { pattern: 'roles', operations: { list: async () => ({ data: { keys: (await roles.list()).sort() } }) } },
      {
        pattern: 'roles/:role_name',
        fields: roleFields,
        operations: {
          read: async (_r, d) => {
            const r = await roles.get(d.str('role_name'));
            return r ? { data: roleJSON(r) } : null;
          },
          update: async (_r, d) => {
            const name = d.str('role_name');
            await roles.put(parseRole(name, d, await roles.get(name)));
            return null;
          },
          delete: async (_r, d) => { await roles.delete(d.str('role_name')); return null; },
        },
      },
    ],
  };
};
