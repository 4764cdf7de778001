/**
 * The `jwt` auth method (also mounted as type `oidc`): logins with JWTs verified against PEM keys,
 * a JWKS URL or an OIDC issuer's discovery document, such as Kubernetes service-account tokens
 * checked through the cluster's OIDC discovery with no TokenReview round trip. The browser OIDC
 * flow (auth_url/callback) is not served.
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import { badRequest } from '../../lib/errors.js';
import { configPath, keySetFor, readJwtConfig } from './config.js';
import { jwtLogin } from './login.js';
import { jwtRolePaths, readJwtRole } from './role.js';
import type { KeySet } from './validator.js';

export const jwtAuthFactory: BackendFactory = (ctx): BackendDef => {
  let cached: Promise<KeySet> | undefined;
  const keySet = () => {
    cached ??= (async () => {
      const config = await readJwtConfig(ctx.storage);
      if (!config) throw new Error('could not load configuration');
      return keySetFor(config);
    })();
    cached.catch(() => { cached = undefined; });
    return cached;
  };
  return {
    help: 'The JWT backend plugin is used to authenticate users using JSON Web Tokens (JWTs) and OpenID Connect.',
    unauthenticatedPaths: ['login'],
    paths: [
      configPath(ctx.storage, ctx.logger, () => { cached = undefined; }),
      ...jwtRolePaths(ctx.storage, ctx.system),
      {
        pattern: 'login',
        fields: {
          role: { type: 'string', description: 'The role to log in against.' },
          jwt: { type: 'string', sensitive: true, description: 'The signed JWT to validate.' },
          distributed_claim_access_token: { type: 'string', sensitive: true, description: 'An optional token used to fetch group memberships specified by the distributed claim source in the jwt.' },
        },
        synopsis: 'Authenticates to Coffer using a JWT (or OIDC) token.',
        operations: { update: (req, d) => jwtLogin({ storage: ctx.storage, keySet }, req, d) },
      },
    ],
    async renewAuth(_req, auth) {
      const name = String(auth.internal?.role ?? '');
      if (!name) throw badRequest('failed to fetch role_name during renewal');
      const role = await readJwtRole(ctx.storage, name);
      if (!role) throw badRequest(`role ${name} does not exist during renewal`);
      return { ...auth, ttl: role.token_ttl, maxTTL: role.token_max_ttl, period: role.token_period };
    },
  };
};
