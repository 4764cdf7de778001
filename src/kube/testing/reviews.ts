/**
 * The request-only endpoints: TokenReview, TokenRequest (serviceaccounts/{name}/token),
 * SelfSubjectReview, SubjectAccessReview, SelfSubjectAccessReview and SelfSubjectRulesReview.
 */
import { Authenticator } from './authn.js';
import type { KubeCluster } from './cluster.js';
import type { Attributes, PolicyRule } from './rbac.js';
import { badRequest, conflict, failure, fieldInvalid, invalid, notFound } from './status.js';
import type { UserInfo } from './tokens.js';

const AUTHN = 'authentication.k8s.io/v1';
const AUTHZ = 'authorization.k8s.io/v1';

function userJson(u: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: u.username };
  if (u.uid) out.uid = u.uid;
  out.groups = u.groups;
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

export async function tokenReview(c: KubeCluster, authn: Authenticator, body: unknown): Promise<Record<string, unknown>> {
  const b = c.expectKind(body, AUTHN, 'TokenReview');
  const spec = (b.spec ?? {}) as Record<string, unknown>;
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (!token) throw badRequest('token is required for TokenReview in authentication');
  const requested = strings(spec.audiences);
  const result = await authn.authenticate(token, requested);
  const status: Record<string, unknown> = {};
  if (result.ok) {
    status.authenticated = true;
    status.user = userJson(result.user);
    status.audiences = result.audiences;
  } else {
    status.user = {};
    status.error = Authenticator.errorText(result);
  }
  const echoed: Record<string, unknown> = { token };
  if (requested.length) echoed.audiences = requested;
  return { kind: 'TokenReview', apiVersion: AUTHN, metadata: { creationTimestamp: null, ...(b.metadata?.name ? { name: b.metadata.name } : {}) }, spec: echoed, status };
}

export async function tokenRequest(c: KubeCluster, ns: string, saName: string, body: unknown): Promise<Record<string, unknown>> {
  const b = c.expectKind(body, AUTHN, 'TokenRequest');
  const sa = c.store.get(c.kind('serviceaccounts'), ns, saName);
  if (!sa) throw notFound(c.kind('serviceaccounts'), saName);
  const spec = (b.spec ?? {}) as Record<string, any>;
  const audiences = strings(spec.audiences).length ? strings(spec.audiences) : c.options.apiAudiences;
  let expirationSeconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? 3600 : Number(spec.expirationSeconds);
  const trKind = { ...c.kind('serviceaccounts'), kind: 'TokenRequest', group: 'authentication.k8s.io' };
  const min = c.options.minTokenExpirationSeconds ?? 600;
  if (!Number.isInteger(expirationSeconds) || expirationSeconds < min) {
    const shortest = min === 600 ? '10 minutes' : `${min} seconds`;
    throw invalid(trKind, saName, [fieldInvalid('spec.expirationSeconds', spec.expirationSeconds, `may not specify a duration less than ${shortest}`)]);
  }
  if (expirationSeconds > 2 ** 32) {
    throw invalid(trKind, saName, [fieldInvalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration larger than 2^32 seconds')]);
  }
  const max = c.options.maxTokenExpirationSeconds ?? 0;
  if (max > 0 && expirationSeconds > max) expirationSeconds = max;

  let pod: { name: string; uid: string } | undefined;
  let secret: { name: string; uid: string } | undefined;
  const ref = spec.boundObjectRef as Record<string, string> | undefined | null;
  if (ref) {
    const plural = ref.kind === 'Pod' ? 'pods' : ref.kind === 'Secret' ? 'secrets' : '';
    if (!plural || (ref.apiVersion && ref.apiVersion !== 'v1')) {
      throw badRequest(`cannot bind token for object of kind ${JSON.stringify(ref.kind ?? '')} with apiVersion ${JSON.stringify(ref.apiVersion ?? '')}`);
    }
    const obj = c.store.get(c.kind(plural), ns, ref.name ?? '');
    if (!obj) throw notFound(c.kind(plural), ref.name ?? '');
    if (ref.uid && ref.uid !== obj.metadata.uid) {
      throw conflict(c.kind(plural), ref.name!, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (plural === 'pods' && (obj.spec?.serviceAccountName ?? 'default') !== saName) {
      throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod "${ref.name}" that is running as serviceaccount "${obj.spec?.serviceAccountName}"`);
    }
    const bound = { name: obj.metadata.name, uid: obj.metadata.uid! };
    if (plural === 'pods') pod = bound; else secret = bound;
  }
  const { token, expiresAt } = await c.signer.signBound({
    namespace: ns, name: saName, uid: sa.metadata.uid!, audiences, expirationSeconds, pod, secret,
  });
  const outSpec: Record<string, unknown> = { audiences, expirationSeconds };
  if (ref) outSpec.boundObjectRef = ref;
  return {
    kind: 'TokenRequest', apiVersion: AUTHN,
    metadata: { name: saName, namespace: ns, creationTimestamp: null },
    spec: outSpec,
    status: { token, expirationTimestamp: new Date(expiresAt * 1000).toISOString().replace('.000Z', 'Z') },
  };
}

export function selfSubjectReview(c: KubeCluster, user: UserInfo, body: unknown): Record<string, unknown> {
  c.expectKind(body, AUTHN, 'SelfSubjectReview');
  return { kind: 'SelfSubjectReview', apiVersion: AUTHN, metadata: { creationTimestamp: null }, status: { userInfo: userJson(user) } };
}

function reviewAttributes(spec: Record<string, any>, user: UserInfo): Attributes {
  const r = spec.resourceAttributes as Record<string, string> | undefined;
  const n = spec.nonResourceAttributes as Record<string, string> | undefined;
  if (!r && !n) throw failure(422, 'Invalid', 'exactly one of nonResourceAttributes or resourceAttributes must be specified');
  if (r) {
    return {
      user, verb: r.verb ?? '', resourceRequest: true, apiGroup: r.group ?? '', resource: r.resource ?? '',
      subresource: r.subresource ?? '', name: r.name ?? '', namespace: r.namespace ?? '', path: '',
    };
  }
  return { user, verb: n!.verb ?? '', resourceRequest: false, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path: n!.path ?? '' };
}

function accessReviewAnswer(c: KubeCluster, kind: string, b: Record<string, any>, user: UserInfo): Record<string, unknown> {
  const spec = (b.spec ?? {}) as Record<string, any>;
  const decision = c.rbac.authorize(reviewAttributes(spec, user));
  const status: Record<string, unknown> = { allowed: decision.allowed };
  if (decision.reason) status.reason = decision.reason;
  return { kind, apiVersion: AUTHZ, metadata: { creationTimestamp: null }, spec, status };
}

export function subjectAccessReview(c: KubeCluster, body: unknown): Record<string, unknown> {
  const b = c.expectKind(body, AUTHZ, 'SubjectAccessReview');
  const spec = (b.spec ?? {}) as Record<string, any>;
  if (!spec.user && !strings(spec.groups).length) throw failure(422, 'Invalid', 'at least one of user or group must be specified');
  const user: UserInfo = { username: spec.user ?? '', uid: spec.uid, groups: strings(spec.groups), extra: spec.extra };
  return accessReviewAnswer(c, 'SubjectAccessReview', b, user);
}

export function selfSubjectAccessReview(c: KubeCluster, user: UserInfo, body: unknown): Record<string, unknown> {
  return accessReviewAnswer(c, 'SelfSubjectAccessReview', c.expectKind(body, AUTHZ, 'SelfSubjectAccessReview'), user);
}

export function selfSubjectRulesReview(c: KubeCluster, user: UserInfo, body: unknown): Record<string, unknown> {
  const b = c.expectKind(body, AUTHZ, 'SelfSubjectRulesReview');
  const ns = String(b.spec?.namespace ?? '');
  if (!ns) throw failure(400, 'BadRequest', 'no namespace on request');
  const { rules, errors } = c.rbac.rulesFor(user, ns);
  const resourceRules = rules.filter((r: PolicyRule) => !r.nonResourceURLs?.length).map((r) => ({
    verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
  }));
  const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  const status: Record<string, unknown> = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
  if (errors.length) status.evaluationError = errors.join(', ');
  return { kind: 'SelfSubjectRulesReview', apiVersion: AUTHZ, metadata: { creationTimestamp: null }, spec: b.spec ?? {}, status };
}
