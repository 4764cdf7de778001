/**
 * The `kubernetes` secrets engine (seed 004): short-lived Kubernetes credentials, a service
 * account with exactly the rules a role allows, deleted when the lease ends.
 */
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import { badRequest } from '../../lib/errors.js';
import { KubeClientCache } from '../../kube/client.js';
import { localReaders } from '../../kube/in-cluster.js';
import { configPath, connection } from './config.js';
import { createCreds, KUBE_TOKEN_TYPE, revokeCreds, type CredsDeps } from './creds.js';
import { rolePaths } from './roles.js';
import { sweepWal, WAL_RETRY_MS } from './wal.js';

const ENV_VARS = ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT_HTTPS'];

export const kubernetesSecretsFactory: BackendFactory = (ctx): BackendDef => {
  const local = localReaders();
  const clients = new KubeClientCache();
  const deps: CredsDeps = {
    storage: ctx.storage, system: ctx.system, logger: ctx.logger, now: Date.now,
    async client() {
      const conn = await connection(ctx.storage, local);
      return { client: clients.get({ host: conn.host, caCert: conn.caCert }), bearer: conn.bearer };
    },
  };
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => sweepWal(ctx.storage, deps.client, ctx.logger, Date.now()).catch((e) => ctx.logger.warn({ error: (e as Error).message }, 'kubernetes secrets: WAL sweep failed'));
  return {
    help: 'The Kubernetes secrets engine generates Kubernetes service account tokens, service accounts, role bindings, and roles dynamically.',
    paths: [
      configPath(ctx.storage, () => clients.close()),
      ...rolePaths(ctx.storage),
      {
        pattern: 'creds/:name',
        fields: {
          name: { type: 'string', description: 'Name of the Vault role' },
          kubernetes_namespace: { type: 'string', description: 'The name of the Kubernetes namespace in which to generate the credentials' },
          cluster_role_binding: { type: 'bool', description: 'If true, generate a ClusterRoleBinding to grant permissions across the whole cluster instead of within a namespace. Requires the Vault role to have kubernetes_role_type set to ClusterRole.' },
          ttl: { type: 'duration', description: 'The TTL of the generated credentials' },
          audiences: { type: 'strings', description: 'The intended audiences of the generated credentials' },
        },
        synopsis: 'Request Kubernetes service account credentials for a given Vault role.',
        operations: { update: (req, d) => createCreds(deps, req, d) },
      },
      {
        pattern: 'check',
        synopsis: 'Checks the Kubernetes configuration is valid, checking if required environment variables are set.',
        operations: {
          read: async () => {
            const missing = ENV_VARS.filter((k) => !process.env[k]);
            if (missing.length) throw badRequest(`Missing environment variables: ${missing.join(', ')}`);
            return { status: 204 };
          },
        },
      },
    ],
    secrets: [{ type: KUBE_TOKEN_TYPE, revoke: (req) => revokeCreds(deps, req.secret?.internal ?? {}) }],
    async init() {
      sweeper = setInterval(() => void sweep(), WAL_RETRY_MS);
      sweeper.unref();
    },
    async cleanup() {
      if (sweeper) clearInterval(sweeper);
      clients.close();
    },
  };
};
