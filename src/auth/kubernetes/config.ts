/**
 * auth/<mount>/config: where the Kubernetes API is and how to verify tokens. A write replaces the
 * whole configuration (omitted fields fall back to defaults), as Vault's does. In a pod, an empty
 * CA or reviewer JWT is taken from the service-account mount at login time (re-read as it rotates).
 */
import type { KeyObject } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldTable } from '../../framework/fields.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { localCAPath, type CachingFileReader } from '../../kube/in-cluster.js';
import { parsePublicKeyPEM } from '../jwt/keysets.js';

export interface KubeAuthConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  token_reviewer_jwt: string;
  pem_keys: string[];
  issuer: string;
  disable_iss_validation: boolean;
  disable_local_ca_jwt: boolean;
  use_annotations_as_alias_metadata: boolean;
}

/** The configuration a login uses: stored values with the pod's CA and token filled in. */
export interface EffectiveConfig extends KubeAuthConfig {
  publicKeys: KeyObject[];
}

export const configFields: FieldTable = {
  kubernetes_host: { type: 'string', description: 'Host must be a host string, a host:port pair, or a URL to the base of the Kubernetes API server.' },
  kubernetes_ca_cert: { type: 'string', description: 'PEM encoded CA cert for use by the TLS client used to talk with the API. If it is not set and disable_local_ca_jwt is true, the system trust store is used.' },
  token_reviewer_jwt: { type: 'string', sensitive: true, description: 'A service account JWT (or other token) used as a bearer token to access the TokenReview API to validate other JWTs during login. If not set the JWT used for login will be used to access the API.' },
  pem_keys: { type: 'strings', description: 'Optional list of PEM-formatted public keys or certificates used to verify the signatures of Kubernetes service account JWTs.' },
  issuer: { type: 'string', deprecated: true, description: 'Optional JWT issuer. If no issuer is specified, kubernetes/serviceaccount is used. (Deprecated)' },
  disable_iss_validation: { type: 'bool', default: true, deprecated: true, description: 'Disable JWT issuer validation (Deprecated)' },
  disable_local_ca_jwt: { type: 'bool', default: false, description: 'Disable defaulting to the local CA cert and service account JWT when running in a Kubernetes pod' },
  use_annotations_as_alias_metadata: { type: 'bool', default: false, description: 'Use annotations prefixed "vault.hashicorp.com/alias-metadata-" of the client token\'s service account as alias metadata.' },
};

const CONFIG_KEY = 'config';

export function hasCertificates(pem: string): boolean {
  return /-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/.test(pem);
}

export async function readConfig(storage: LogicalStorage): Promise<KubeAuthConfig | undefined> {
  return storage.getJSON<KubeAuthConfig>(CONFIG_KEY);
}

export interface LocalReaders { token: CachingFileReader; ca: CachingFileReader }

/** Vault's loadConfig: the pod's token when no reviewer JWT is set (a failure is fine), its CA when no CA is set (a failure is not). */
export async function effectiveConfig(storage: LogicalStorage, local: LocalReaders): Promise<EffectiveConfig | undefined> {
  const config = await readConfig(storage);
  if (!config) return undefined;
  const out: EffectiveConfig = { ...config, publicKeys: config.pem_keys.map(parsePublicKeyPEM) };
  if (config.disable_local_ca_jwt) return out;
  if (!out.token_reviewer_jwt) {
    try { out.token_reviewer_jwt = await local.token.read(); } catch { /* the client's JWT becomes the bearer */ }
  }
  if (!out.kubernetes_ca_cert) {
    try {
      out.kubernetes_ca_cert = await local.ca.read();
    } catch (e) {
      // The operator fixes this (set kubernetes_ca_cert or disable_local_ca_jwt), so it is a 400, not our fault.
      throw badRequest(`could not read the local Kubernetes CA certificate ${localCAPath()}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return out;
}

export function configPath(storage: LogicalStorage, local: LocalReaders, onChange: () => void): PathDef {
  return {
    pattern: 'config',
    fields: configFields,
    synopsis: 'Configures the JWT Public Key and Kubernetes API information.',
    description: 'The Kubernetes auth method validates service account JWTs and verifies their existence with the Kubernetes TokenReview API. This endpoint configures the public keys used to validate JWT signatures and how to reach the Kubernetes API.',
    operations: {
      read: async () => {
        const c = await readConfig(storage);
        if (!c) return null;
        return {
          data: {
            kubernetes_host: c.kubernetes_host, kubernetes_ca_cert: c.kubernetes_ca_cert, pem_keys: c.pem_keys, issuer: c.issuer,
            disable_iss_validation: c.disable_iss_validation, disable_local_ca_jwt: c.disable_local_ca_jwt,
            token_reviewer_jwt_set: c.token_reviewer_jwt !== '', use_annotations_as_alias_metadata: c.use_annotations_as_alias_metadata,
          },
        };
      },
      update: async (_req, d) => {
        const host = d.str('kubernetes_host');
        if (!host) throw badRequest('no host provided');
        const config: KubeAuthConfig = {
          kubernetes_host: host, kubernetes_ca_cert: d.str('kubernetes_ca_cert'), token_reviewer_jwt: d.str('token_reviewer_jwt'),
          pem_keys: d.list('pem_keys'), issuer: d.str('issuer'), disable_iss_validation: d.bool('disable_iss_validation'),
          disable_local_ca_jwt: d.bool('disable_local_ca_jwt'), use_annotations_as_alias_metadata: d.bool('use_annotations_as_alias_metadata'),
        };
        if (config.kubernetes_ca_cert && !hasCertificates(config.kubernetes_ca_cert)) throw badRequest('The provided CA PEM data contains no valid certificates');
        for (const pem of config.pem_keys) {
          try { parsePublicKeyPEM(pem); } catch (e) { throw badRequest((e as Error).message); }
        }
        if (!config.kubernetes_ca_cert && !config.disable_local_ca_jwt) {
          // Vault fails here with a bare file error; say what to do instead (outside a pod, nobody has that file).
          try {
            await local.ca.read();
          } catch (e) {
            throw badRequest(`kubernetes_ca_cert is not set and the local CA certificate ${localCAPath()} could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); outside a Kubernetes pod set kubernetes_ca_cert, or disable_local_ca_jwt=true to trust the system CA store`);
          }
        }
        await storage.putJSON(CONFIG_KEY, config);
        onChange();
        return null;
      },
    },
  };
}
