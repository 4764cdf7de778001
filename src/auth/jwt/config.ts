/**
 * auth/<mount>/config of the jwt/oidc method: exactly one key source (PEM public keys, a JWKS URL,
 * or OIDC discovery), the bound issuer and the accepted algorithms. A write checks the source is
 * reachable and sane, as Vault does, and resets the cached key set.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldTable } from '../../framework/fields.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { discover, fetchJson, jwksKeySet, oidcDiscoveryKeySet, parsePublicKeyPEM, StaticKeySet } from './keysets.js';
import { ALL_ALGORITHMS, type KeySet } from './validator.js';

export interface JwtAuthConfig {
  oidc_discovery_url: string;
  oidc_discovery_ca_pem: string;
  oidc_client_id: string;
  oidc_client_secret: string;
  oidc_response_mode: string;
  oidc_response_types: string[];
  jwks_url: string;
  jwks_ca_pem: string;
  jwt_validation_pubkeys: string[];
  jwt_supported_algs: string[];
  bound_issuer: string;
  default_role: string;
  provider_config: Record<string, unknown>;
  namespace_in_state: boolean;
}

export const configFields: FieldTable = {
  oidc_discovery_url: { type: 'string', description: 'OIDC Discovery URL, without any .well-known component (base path). Cannot be used with "jwks_url" or "jwt_validation_pubkeys".' },
  oidc_discovery_ca_pem: { type: 'string', description: 'The CA certificate or chain of certificates, in PEM format, to use to validate connections to the OIDC Discovery URL. If not set, system certificates are used.' },
  oidc_client_id: { type: 'string', description: 'The OAuth Client ID configured with your OIDC provider.' },
  oidc_client_secret: { type: 'string', sensitive: true, description: 'The OAuth Client Secret configured with your OIDC provider.' },
  oidc_response_mode: { type: 'string', description: "The response mode to be used in the OAuth2 request. Allowed values are 'query' and 'form_post'." },
  oidc_response_types: { type: 'strings', description: "The response types to request. Allowed values are 'code' and 'id_token'. Defaults to 'code'." },
  jwks_url: { type: 'string', description: 'JWKS URL to use to authenticate signatures. Cannot be used with "oidc_discovery_url" or "jwt_validation_pubkeys".' },
  jwks_ca_pem: { type: 'string', description: 'The CA certificate or chain of certificates, in PEM format, to use to validate connections to the JWKS URL. If not set, system certificates are used.' },
  jwks_pairs: { type: 'any', description: 'Set of JWKS URL and optional CA certificate pairs (not supported by Coffer yet).' },
  jwt_validation_pubkeys: { type: 'strings', description: 'A list of PEM-encoded public keys to use to authenticate signatures locally. Cannot be used with "jwks_url" or "oidc_discovery_url".' },
  jwt_supported_algs: { type: 'strings', description: 'A list of supported signing algorithms. Defaults to RS256.' },
  bound_issuer: { type: 'string', description: "The value against which to match the 'iss' claim in a JWT. Optional." },
  default_role: { type: 'string', description: 'The default role to use if none is provided during login. If not set, a role is required during login.' },
  provider_config: { type: 'map', description: 'Provider-specific configuration. Optional.' },
  namespace_in_state: { type: 'bool', description: 'Pass namespace in the OIDC state parameter instead of as a separate query parameter.' },
};

const CONFIG_KEY = 'config';

export const readJwtConfig = (storage: LogicalStorage) => storage.getJSON<JwtAuthConfig>(CONFIG_KEY);

export function keySetFor(c: JwtAuthConfig): KeySet {
  if (c.jwt_validation_pubkeys.length) return new StaticKeySet(c.jwt_validation_pubkeys.map(parsePublicKeyPEM));
  if (c.jwks_url) return jwksKeySet(c.jwks_url, c.jwks_ca_pem || undefined);
  if (c.oidc_discovery_url) return oidcDiscoveryKeySet(c.oidc_discovery_url, c.oidc_discovery_ca_pem || undefined);
  throw new Error('unsupported config type');
}

export function configPath(storage: LogicalStorage, logger: Logger, onChange: () => void): PathDef {
  return {
    pattern: 'config',
    fields: configFields,
    synopsis: 'Configure the JWT authentication backend.',
    description: 'The JWT authentication backend validates JWTs (or OIDC) using the configured credentials. If using OIDC Discovery, the URL must be provided, along with (optionally) the CA cert to use for the connection. If performing JWT validation locally, a set of public keys must be provided.',
    operations: {
      read: async () => {
        const c = await readJwtConfig(storage);
        if (!c) return null;
        const { oidc_client_secret: _secret, ...shown } = c;
        return { data: { ...shown, jwks_pairs: [], unsupported_critical_cert_extensions: [] } };
      },
      update: async (_req, d) => {
        const existing = await readJwtConfig(storage);
        const c: JwtAuthConfig = {
          oidc_discovery_url: d.str('oidc_discovery_url'), oidc_discovery_ca_pem: d.str('oidc_discovery_ca_pem'),
          oidc_client_id: d.str('oidc_client_id'), oidc_client_secret: d.str('oidc_client_secret'),
          oidc_response_mode: d.str('oidc_response_mode'), oidc_response_types: d.list('oidc_response_types'),
          jwks_url: d.str('jwks_url'), jwks_ca_pem: d.str('jwks_ca_pem'), jwt_validation_pubkeys: d.list('jwt_validation_pubkeys'),
          jwt_supported_algs: d.list('jwt_supported_algs'), bound_issuer: d.str('bound_issuer'), default_role: d.str('default_role'),
          provider_config: d.get<Record<string, unknown>>('provider_config'),
          namespace_in_state: d.has('namespace_in_state') ? d.bool('namespace_in_state') : existing?.namespace_in_state ?? true,
        };
        const pairs = d.get<unknown>('jwks_pairs');
        const methods = [c.oidc_discovery_url, c.jwt_validation_pubkeys.length, c.jwks_url, Array.isArray(pairs) && pairs.length].filter(Boolean).length;
        if (methods !== 1) throw badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set");
        if (Array.isArray(pairs) && pairs.length) throw badRequest("'jwks_pairs' is not supported by Coffer; use 'jwks_url'");
        if (!!c.oidc_client_id !== !!c.oidc_client_secret) throw badRequest("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
        if (c.oidc_discovery_url) {
          try {
            await discover(c.oidc_discovery_url, c.oidc_discovery_ca_pem || undefined);
          } catch (e) {
            logger.error({ url: c.oidc_discovery_url, error: (e as Error).message }, 'jwt auth: error checking oidc discovery URL');
            throw badRequest('error checking oidc discovery URL');
          }
        } else if (c.jwks_url) {
          if (c.jwks_ca_pem && !/-----BEGIN CERTIFICATE-----/.test(c.jwks_ca_pem)) throw badRequest('error checking jwks_ca_pem');
          try {
            const doc = await fetchJson(c.jwks_url, c.jwks_ca_pem || undefined) as { keys?: unknown };
            if (!Array.isArray(doc?.keys)) throw new Error('no "keys" array');
          } catch (e) {
            logger.error({ url: c.jwks_url, error: (e as Error).message }, 'jwt auth: error checking jwks URL');
            throw badRequest(`error checking jwks URL ${c.jwks_url}`);
          }
        } else {
          for (const pem of c.jwt_validation_pubkeys) {
            try { parsePublicKeyPEM(pem); } catch (e) { throw badRequest(`error parsing public key: ${(e as Error).message}`); }
          }
        }
        for (const alg of c.jwt_supported_algs) {
          if (!ALL_ALGORITHMS.includes(alg)) throw badRequest(`invalid jwt_supported_algs: unsupported signing algorithm "${alg}"`);
        }
        if (c.oidc_response_types.some((t) => t !== 'code' && t !== 'id_token')) {
          throw badRequest(`invalid response_types [${c.oidc_response_types.join(' ')}]. 'code' and 'id_token' are allowed`);
        }
        if (c.oidc_response_mode === '' || c.oidc_response_mode === 'query') {
          if (c.oidc_response_types.includes('id_token')) throw badRequest('query response_mode may not be used with an id_token response_type');
        } else if (c.oidc_response_mode !== 'form_post') {
          throw badRequest(`invalid response_mode: "${c.oidc_response_mode}"`);
        }
        await storage.putJSON(CONFIG_KEY, c);
        onChange();
        return null;
      },
    },
  };
}
