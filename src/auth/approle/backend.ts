/**
 * The AppRole auth method: machines log in with a role_id and a secret_id (optionally
 * bound to CIDRs, limited in uses and TTL). Wrapped secret IDs give secret-zero delivery.
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import { cidrAllows } from '../../core/tokens/token-info.js';
import { authFromParams } from '../token-fields.js';
import { rolePaths } from './path-role.js';
import { secretIdPaths } from './path-secret-id.js';
import { AppRoleStore } from './store.js';

const INVALID = 'invalid role or secret ID';

export const approleFactory: BackendFactory = (ctx): BackendDef => {
  const store = new AppRoleStore(ctx.storage);
  const now = () => Date.now();
  return {
    help: 'Any registered Role can authenticate itself with Coffer. The credentials that need to be presented depend on the constraints set on the Role.',
    unauthenticatedPaths: ['login'],
    paths: [
      ...rolePaths(store),
      ...secretIdPaths(store, now),
      {
        pattern: 'login',
        fields: { role_id: { type: 'string' }, secret_id: { type: 'string', sensitive: true } },
        operations: {
          update: async (req, d) => {
            const roleId = d.str('role_id');
            if (!roleId) throw badRequest('missing role_id');
            const roleName = await store.roleIdInUse(roleId);
            const role = roleName ? await store.getRole(roleName) : undefined;
            if (!role || !roleName) throw new CofferError(400, INVALID);
            const metadata: Record<string, string> = { role_name: roleName };
            let tokenCIDRs = role.token_bound_cidrs;
            if (role.bind_secret_id) {
              const secretId = d.str('secret_id');
              if (!secretId) throw badRequest('missing secret_id');
              const entry = await store.getSecretId(roleName, secretId);
              if (!entry) throw new CofferError(400, INVALID);
              if (entry.secret_id_ttl && Date.parse(entry.expiration_time) <= now()) {
                await store.destroySecretId(roleName, secretId);
                throw new CofferError(400, INVALID);
              }
              const cidrs = [...entry.cidr_list, ...role.secret_id_bound_cidrs];
              if (entry.cidr_list.length && !cidrAllows(entry.cidr_list, req.remoteAddr)) {
                throw badRequest(`source address "${req.remoteAddr}" unauthorized through CIDR restrictions on the secret ID`);
              }
              if (role.secret_id_bound_cidrs.length && !cidrAllows(role.secret_id_bound_cidrs, req.remoteAddr)) {
                throw badRequest(`source address "${req.remoteAddr}" unauthorized by CIDR restrictions on the role`);
              }
              void cidrs;
              if (entry.secret_id_num_uses > 0) {
                if (entry.secret_id_num_uses === 1) await store.destroySecretId(roleName, secretId);
                else {
                  entry.secret_id_num_uses -= 1;
                  entry.last_updated_time = new Date(now()).toISOString();
                  await store.updateSecretId(roleName, secretId, entry);
                }
              }
              Object.assign(metadata, entry.metadata);
              if (entry.token_bound_cidrs.length) tokenCIDRs = entry.token_bound_cidrs;
            } else if (role.secret_id_bound_cidrs.length && !cidrAllows(role.secret_id_bound_cidrs, req.remoteAddr)) {
              throw badRequest(`source address "${req.remoteAddr}" unauthorized by CIDR restrictions on the role`);
            }
            if (tokenCIDRs.length && !cidrAllows(tokenCIDRs, req.remoteAddr)) throw badRequest(`source address "${req.remoteAddr}" unauthorized by token_bound_cidrs`);
            return {
              auth: authFromParams({ ...role, token_bound_cidrs: tokenCIDRs }, {
                metadata, displayName: roleName, alias: { name: role.role_id, metadata: { role_name: roleName } },
                internal: { role_name: roleName, role_id: role.role_id },
              }),
            };
          },
        },
      },
    ],
    async renewAuth(_req, auth) {
      const role = await store.getRole(String(auth.internal?.role_name ?? ''));
      if (!role || role.role_id !== auth.internal?.role_id) throw badRequest('role no longer exists or its role_id changed');
      return { ...auth, ttl: role.token_ttl, maxTTL: role.token_max_ttl, period: role.token_period };
    },
  };
};
