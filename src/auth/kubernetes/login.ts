/**
 * auth/<mount>/login: Vault's kubernetes login, step by step. Parse and check the JWT locally
 * (signature only with pem_keys), check the service account's name and namespace against the role,
 * then ask the cluster with a TokenReview, and answer with an auth block whose alias is the
 * service account's UID (or <namespace>/<name>).
 */
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import type { LogicalStorage } from '../../framework/types.js';
import { CofferError, badRequest, internal, permissionDenied } from '../../lib/errors.js';
import { globMatch } from '../../lib/glob.js';
import type { Logger } from '../../lib/logger.js';
import { cidrAllows } from '../../core/tokens/token-info.js';
import { KubeApiError, type KubeClient, type KubeClientCache } from '../../kube/client.js';
import { fromLabelSelector, matches } from '../../kube/selector.js';
import { authFromParams } from '../token-fields.js';
import { StaticKeySet } from '../jwt/keysets.js';
import { JwtError, KUBERNETES_ALGORITHMS, audienceList, dontVerify, validateJwt, type Expected } from '../jwt/validator.js';
import { effectiveConfig, type EffectiveConfig, type LocalReaders } from './config.js';
import { parseNamespaceSelector, readRole, type KubeRole } from './role.js';

const LEGACY_ISSUER = 'kubernetes/serviceaccount';
const ANNOTATION_PREFIX = 'vault.hashicorp.com/alias-metadata-';
const RESERVED = ['service_account_uid', 'service_account_name', 'service_account_namespace', 'service_account_secret_name'];

export interface LoginDeps {
  storage: LogicalStorage;
  local: LocalReaders;
  clients: KubeClientCache;
  logger: Logger;
}

/** The service account a token speaks for, from either claim shape (projected or legacy secret). */
export interface ServiceAccountClaims { name: string; namespace: string; uid: string; secretName: string; audiences: string[] }

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function serviceAccountFromClaims(c: Record<string, unknown>): ServiceAccountClaims {
  const k8s = c['kubernetes.io'] as Record<string, unknown> | undefined;
  const sa = k8s && typeof k8s === 'object' ? (k8s.serviceaccount as Record<string, unknown> | undefined) : undefined;
  return {
    name: sa ? str(sa.name) : str(c['kubernetes.io/serviceaccount/service-account.name']),
    uid: sa ? str(sa.uid) : str(c['kubernetes.io/serviceaccount/service-account.uid']),
    namespace: k8s && typeof k8s === 'object' ? str(k8s.namespace) : str(c['kubernetes.io/serviceaccount/namespace']),
    secretName: str(c['kubernetes.io/serviceaccount/secret.name']),
    audiences: audienceList(c.aud),
  };
}

const coded = (status: number, message: string) => new CofferError(status, message);

async function namespaceAllowed(role: KubeRole, sa: ServiceAccountClaims, config: EffectiveConfig, client: KubeClient): Promise<void> {
  const list = role.bound_service_account_namespaces;
  if (list.length && (list[0] === '*' || list.some((p) => globMatch(p, sa.namespace)))) return;
  let detail = '';
  if (role.bound_service_account_namespace_selector) {
    try {
      const selector = parseNamespaceSelector(role.bound_service_account_namespace_selector);
      if (!config.token_reviewer_jwt) throw new Error('namespace lookup failed: TokenReviewer JWT needs to be configured to use namespace selectors');
      let labels: Record<string, string> | undefined;
      try {
        labels = (await client.readNamespace(config.token_reviewer_jwt, sa.namespace)).metadata?.labels;
      } catch (e) {
        const k = e as KubeApiError;
        throw new Error(`failed to get namespace (code ${k.code} status ${k.message})`);
      }
      if (matches(fromLabelSelector(selector), labels)) return;
    } catch (e) {
      detail = ` err=${(e as Error).message}`;
    }
  }
  throw coded(403, `namespace not authorized${detail}`);
}

/** Parses and checks the JWT against the role (Vault's parseAndValidateJWT). */
async function parseAndValidate(jwt: string, role: KubeRole, config: EffectiveConfig, client: KubeClient): Promise<ServiceAccountClaims> {
  const expected: Expected = { algorithms: KUBERNETES_ALGORITHMS };
  if (!config.disable_iss_validation) expected.issuer = config.issuer || LEGACY_ISSUER;
  if (role.audience) expected.audiences = [role.audience];
  const keySet = config.publicKeys.length ? new StaticKeySet(config.publicKeys) : dontVerify;
  let claims: Record<string, unknown>;
  try {
    claims = await validateJwt(jwt, keySet, expected, true);
  } catch (e) {
    // A bad signature (or an unparseable token) is a bare "permission denied"; claim failures say why.
    if (e instanceof JwtError && e.signature) throw permissionDenied();
    throw coded(403, (e as Error).message);
  }
  const sa = serviceAccountFromClaims(claims);
  const names = role.bound_service_account_names;
  if (names.length > 1 || names[0] !== '*') {
    if (!names.some((p) => globMatch(p, sa.name))) throw coded(403, 'service account name not authorized');
  }
  await namespaceAllowed(role, sa, config, client);
  return sa;
}

/** The TokenReview call and Vault's checks of its answer; any failure is a reason to refuse. */
async function review(client: KubeClient, bearer: string, jwt: string, wantAud: string[], sa: ServiceAccountClaims): Promise<void> {
  let r;
  try {
    r = await client.tokenReview(bearer, jwt, wantAud);
  } catch (e) {
    if (e instanceof KubeApiError && e.code === 401) throw new Error('lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token');
    throw e;
  }
  const st = r.status ?? {};
  if (st.error) throw new Error(`lookup failed: ${st.error}`);
  if (!st.authenticated) throw new Error('lookup failed: service account jwt not valid');
  if (wantAud.length && !wantAud.some((a) => (st.audiences ?? []).includes(a))) {
    throw new Error(`lookup failed: service account jwt valid for audience(s) [${(st.audiences ?? []).join(' ')}], but wanted [${wantAud.join(' ')}]`);
  }
  const parts = (st.user?.username ?? '').split(':');
  if (parts.length !== 4) throw new Error('lookup failed: unexpected username format');
  if (parts[0] !== 'system' || parts[1] !== 'serviceaccount') throw new Error('lookup failed: username returned is not a service account');
  if (sa.name !== parts[3]) throw new Error('JWT names did not match');
  if (sa.uid !== (st.user?.uid ?? '')) throw new Error('JWT UIDs did not match');
  if (sa.namespace !== parts[2]) throw new Error('JWT namepaces did not match'); // sic: Vault's wording
}

async function annotationMetadata(client: KubeClient, bearer: string, sa: ServiceAccountClaims): Promise<Record<string, string>> {
  const account = await client.readServiceAccount(bearer, sa.namespace, sa.name);
  const out: Record<string, string> = {};
  const reserved: string[] = [];
  for (const [k, v] of Object.entries(account.metadata?.annotations ?? {})) {
    if (!k.startsWith(ANNOTATION_PREFIX)) continue;
    const key = k.slice(ANNOTATION_PREFIX.length);
    if (RESERVED.includes(key)) reserved.push(key); else out[key] = v;
  }
  if (reserved.length) {
    throw badRequest(`entity alias metadata keys for only internal use found from the client token's associated service account annotations: keys=[${reserved.map((k) => JSON.stringify(k)).join(' ')}]`);
  }
  return out;
}

export async function kubernetesLogin(deps: LoginDeps, req: Request, d: FieldData): Promise<Response> {
  const roleName = d.str('role');
  if (!roleName) throw badRequest('missing role');
  const jwt = d.str('jwt').trim();
  if (!jwt) throw badRequest('missing jwt');
  const role = await readRole(deps.storage, roleName);
  if (!role) throw badRequest(`invalid role name "${roleName}"`);
  if (role.token_bound_cidrs.length && !cidrAllows(role.token_bound_cidrs, req.remoteAddr)) throw permissionDenied();
  const config = await effectiveConfig(deps.storage, deps.local);
  // Vault answers 500 for a method nobody configured; it is the operator's to fix, so a 400 here.
  if (!config) throw badRequest('could not load backend configuration');
  const client = deps.clients.get({ host: config.kubernetes_host, caCert: config.kubernetes_ca_cert });

  const sa = await parseAndValidate(jwt, role, config, client);
  // The token is the client's input (and, without pem_keys, not yet verified): Vault's 500 here becomes a 400.
  if (!sa.uid) throw badRequest('could not parse UID from claims');
  let aliasName = sa.uid;
  if (role.alias_name_source === 'serviceaccount_name') {
    if (!sa.namespace || !sa.name) throw badRequest('service account namespace and name must be set');
    aliasName = `${sa.namespace}/${sa.name}`;
  }

  const bearer = config.token_reviewer_jwt || jwt;
  try {
    await review(client, bearer, jwt, role.audience ? [role.audience] : sa.audiences, sa);
  } catch (e) {
    // A reviewer the cluster refuses breaks every login: say so loudly (Vault logs it at debug only).
    const reviewerRefused = e instanceof KubeApiError && (e.code === 401 || e.code === 403) && !!config.token_reviewer_jwt;
    if (reviewerRefused) deps.logger.error({ code: (e as KubeApiError).code, reason: (e as Error).message }, 'kubernetes auth: the TokenReview call was refused; check the reviewer token and its system:auth-delegator binding');
    else deps.logger.debug({ reason: (e as Error).message }, 'kubernetes auth: login unauthorized');
    throw permissionDenied();
  }

  const metadata = config.use_annotations_as_alias_metadata ? await annotationMetadata(client, bearer, sa) : {};
  Object.assign(metadata, {
    service_account_uid: sa.uid, service_account_name: sa.name, service_account_namespace: sa.namespace, service_account_secret_name: sa.secretName,
  });
  return {
    auth: authFromParams(role, {
      alias: { name: aliasName, metadata },
      internal: { role: roleName },
      metadata: {
        service_account_uid: sa.uid, service_account_name: sa.name, service_account_namespace: sa.namespace,
        service_account_secret_name: sa.secretName, role: roleName,
      },
      displayName: `${sa.namespace}-${sa.name}`,
    }),
  };
}

export async function kubernetesRenew(storage: LogicalStorage, roleName: string) {
  if (!roleName) throw internal('failed to fetch role_name during renewal');
  const role = await readRole(storage, roleName);
  if (!role) throw badRequest(`role ${roleName} does not exist during renewal`);
  return role;
}
