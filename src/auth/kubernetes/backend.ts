/**
 * The `kubernetes` auth method: pods log in with their service-account JWT, which Coffer checks
 * against a role and then with the cluster's TokenReview API (Vault's API and semantics).
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import { KubeClientCache } from '../../kube/client.js';
import { localReaders } from '../../kube/in-cluster.js';
import { configPath } from './config.js';
import { kubernetesLogin, kubernetesRenew } from './login.js';
import { rolePaths } from './role.js';

export const kubernetesAuthFactory: BackendFactory = (ctx): BackendDef => {
  const local = localReaders();
  const clients = new KubeClientCache();
  const deps = { storage: ctx.storage, local, clients, logger: ctx.logger };
  return {
    help: 'The Kubernetes Auth Backend allows authentication for Kubernetes service accounts.',
    unauthenticatedPaths: ['login'],
    paths: [
      configPath(ctx.storage, local, () => clients.close()),
      ...rolePaths(ctx.storage, ctx.system),
      {
        pattern: 'login',
        fields: {
          role: { type: 'string', description: 'Name of the role against which the login is being attempted. This field is required' },
          jwt: { type: 'string', sensitive: true, description: 'A signed JWT for authenticating a service account. This field is required.' },
        },
        synopsis: 'Authenticates Kubernetes service accounts with Coffer.',
        operations: { update: (req, d) => kubernetesLogin(deps, req, d) },
      },
    ],
    async renewAuth(_req, auth) {
      const role = await kubernetesRenew(ctx.storage, String(auth.internal?.role ?? ''));
      return { ...auth, ttl: role.token_ttl, maxTTL: role.token_max_ttl, period: role.token_period };
    },
    async cleanup() {
      clients.close();
    },
  };
};
