/**
 * The userpass auth method: users with passwords and token parameters; login returns an
 * auth block whose alias is the username. Unknown user and wrong password give the same
 * error after the same work.
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Auth, Request } from '../../framework/types.js';
import { badRequest, CofferError, permissionDenied } from '../../lib/errors.js';
import { cidrAllows } from '../../core/tokens/token-info.js';
import { authFromParams, parseTokenParams, samePolicies, tokenFields, tokenParamsJSON, type TokenParams } from '../token-fields.js';
import { hashPassword, verifyPassword } from './password.js';

interface User extends TokenParams {
  password_hash: string;
}

const userKey = (name: string) => `user/${name.toLowerCase()}`;

export const userpassFactory: BackendFactory = (ctx): BackendDef => {
  const { storage } = ctx;
  const getUser = (name: string) => storage.getJSON<User>(userKey(name));

  const writeUser = async (req: Request, d: FieldData) => {
    const name = d.str('username');
    if (!name) throw badRequest('missing username');
    const existing = await getUser(name);
    // A password given must be non-empty (Vault's updateUserPassword); only an update may leave it out.
    if ((!existing || d.has('password')) && !d.str('password')) throw badRequest('missing password');
    const params = parseTokenParams(d, existing);
    const user: User = { ...params, password_hash: existing?.password_hash ?? '' };
    if (d.str('password')) user.password_hash = await hashPassword(d.str('password'));
    await storage.putJSON(userKey(name), user);
    return null;
  };

  return {
    help: 'The "userpass" credential provider allows authentication using a combination of a username and password.',
    unauthenticatedPaths: ['login/*'],
    paths: [
      {
        pattern: 'users',
        operations: { list: async () => ({ data: { keys: (await storage.list('user/')).sort() } }) },
      },
      {
        pattern: 'users/:username/password',
        fields: { username: { type: 'string' }, password: { type: 'string', required: true, sensitive: true } },
        operations: {
          update: async (_r, d) => {
            // An empty (or null) password would lock the user out; Vault refuses it too.
            if (!d.str('password')) throw badRequest('missing password');
            const u = await getUser(d.str('username'));
            if (!u) throw badRequest('username does not exist');
            u.password_hash = await hashPassword(d.str('password'));
            await storage.putJSON(userKey(d.str('username')), u);
            return null;
          },
        },
      },
      {
        pattern: 'users/:username/policies',
        fields: { username: { type: 'string' }, token_policies: { type: 'strings' }, policies: { type: 'strings' } },
        operations: {
          update: async (_r, d) => {
            const u = await getUser(d.str('username'));
            if (!u) throw badRequest('username does not exist');
            u.token_policies = d.has('token_policies') ? d.list('token_policies') : d.list('policies');
            await storage.putJSON(userKey(d.str('username')), u);
            return null;
          },
        },
      },
      {
        pattern: 'users/:username',
        fields: { username: { type: 'string' }, password: { type: 'string', sensitive: true }, ...tokenFields },
        existenceCheck: async (_r, d) => (await getUser(d.str('username'))) !== undefined,
        operations: {
          read: async (_r, d) => {
            const u = await getUser(d.str('username'));
            if (!u) return null;
            const { password_hash: _omit, ...params } = u;
            return { data: tokenParamsJSON(params) };
          },
          create: writeUser,
          update: writeUser,
          delete: async (_r, d) => { await storage.delete(userKey(d.str('username'))); return null; },
        },
      },
      {
        pattern: 'login/:username',
        fields: { username: { type: 'string' }, password: { type: 'string', sensitive: true } },
        operations: {
          update: async (req, d) => {
            const name = d.str('username').toLowerCase();
            const password = d.str('password');
            if (!password) throw badRequest('missing password');
            const u = await getUser(name);
            const ok = await verifyPassword(password, u?.password_hash);
            if (!ok || !u) throw new CofferError(400, 'invalid username or password');
            // As Vault: a login from outside the user's token_bound_cidrs is refused outright.
            if (!cidrAllows(u.token_bound_cidrs, req.remoteAddr)) throw permissionDenied();
            const auth: Auth = authFromParams(u, {
              metadata: { username: name },
              displayName: name,
              alias: { name },
              internal: { username: name },
            });
            void req;
            return { auth };
          },
        },
      },
    ],
    async renewAuth(_req, auth) {
      const name = String(auth.internal?.username ?? '');
      const u = await getUser(name);
      if (!u) throw badRequest('user no longer exists');
      if (!samePolicies(u.token_policies, auth.policies)) throw badRequest('policies have changed, not renewing');
      return { ...auth, ttl: u.token_ttl, maxTTL: u.token_max_ttl, period: u.token_period };
    },
  };
};
