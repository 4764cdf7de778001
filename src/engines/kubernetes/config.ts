/**
 * <mount>/config of the kubernetes secrets engine. Unlike the auth method's, a write merges: only
 * the fields given change. The host defaults to the in-cluster service address, the CA and the
 * service-account JWT to the pod's files (re-read as they rotate; the JWT is write-only).
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldTable } from '../../framework/fields.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { inClusterHost, localCAPath, type CachingFileReader } from '../../kube/in-cluster.js';

export interface KubeSecretsConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  service_account_jwt: string;
  disable_local_ca_jwt: boolean;
}

export interface Connection { host: string; caCert: string; bearer: string }

export const configFields: FieldTable = {
  kubernetes_host: { type: 'string', description: 'Kubernetes API URL to connect to. Defaults to https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT_HTTPS if those environment variables are set.' },
  kubernetes_ca_cert: { type: 'string', description: 'PEM encoded CA certificate to verify the Kubernetes API server certificate. Defaults to the local pod\'s CA if found.' },
  service_account_jwt: { type: 'string', sensitive: true, description: 'The JSON web token of the service account used by the secrets engine to manage Kubernetes credentials. Defaults to the local pod\'s JWT if found.' },
  disable_local_ca_jwt: { type: 'bool', default: false, description: 'Disable defaulting to the local CA certificate and service account JWT when running in a Kubernetes pod.' },
};

const KEY = 'config';

export const readSecretsConfig = (storage: LogicalStorage) => storage.getJSON<KubeSecretsConfig>(KEY);

/** The connection creds and revocations use (Vault's configWithDynamicValues). */
export async function connection(storage: LogicalStorage, local: { token: CachingFileReader; ca: CachingFileReader }, env = process.env): Promise<Connection> {
  const c = await readSecretsConfig(storage);
  // Vault answers these with 500; an engine nobody configured is the operator's to fix, so 400s here.
  if (!c) throw badRequest('could not load backend configuration');
  const host = c.kubernetes_host || inClusterHost(env);
  if (!host) throw badRequest('kubernetes_host was unset and could not determine it from environment variables');
  const out: Connection = { host, caCert: c.kubernetes_ca_cert, bearer: c.service_account_jwt };
  if (c.disable_local_ca_jwt) return out;
  if (!out.bearer) {
    try { out.bearer = await local.token.read(); } catch { /* requests go out without a bearer and the cluster refuses them */ }
  }
  if (!out.caCert) {
    try {
      out.caCert = await local.ca.read();
    } catch (e) {
      throw badRequest(`could not read the local Kubernetes CA certificate ${localCAPath()}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return out;
}

export function configPath(storage: LogicalStorage, onChange: () => void, env = process.env): PathDef {
  return {
    pattern: 'config',
    fields: configFields,
    synopsis: 'Configure the Kubernetes secrets engine plugin.',
    description: 'This path configures the Kubernetes secrets engine plugin. See the documentation for the plugin specified for a full list of accepted connection details.',
    operations: {
      read: async () => {
        const c = await readSecretsConfig(storage);
        if (!c) return null;
        return { data: { disable_local_ca_jwt: c.disable_local_ca_jwt, kubernetes_ca_cert: c.kubernetes_ca_cert, kubernetes_host: c.kubernetes_host } };
      },
      update: async (_req, d) => {
        const c: KubeSecretsConfig = (await readSecretsConfig(storage)) ?? { kubernetes_host: '', kubernetes_ca_cert: '', service_account_jwt: '', disable_local_ca_jwt: false };
        if (d.has('kubernetes_host')) c.kubernetes_host = d.str('kubernetes_host');
        else if (!c.kubernetes_host && !inClusterHost(env)) throw badRequest('kubernetes_host was unset and could not be determined from environment variables');
        if (d.has('disable_local_ca_jwt')) c.disable_local_ca_jwt = d.bool('disable_local_ca_jwt');
        if (d.has('kubernetes_ca_cert')) c.kubernetes_ca_cert = d.str('kubernetes_ca_cert');
        if (d.has('service_account_jwt')) c.service_account_jwt = d.str('service_account_jwt');
        await storage.putJSON(KEY, c);
        onChange();
        return null;
      },
      delete: async () => {
        await storage.delete(KEY);
        onChange();
        return null;
      },
    },
  };
}
