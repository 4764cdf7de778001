/**
 * The validation a real API server applies to the fields Coffer and its users write, with
 * field.Error wording (`metadata.name: Invalid value: "X": …`), returned as 422 Invalid.
 */
import type { KindInfo } from './resources.js';
import type { KubeObject } from './store.js';
import { fieldForbidden, fieldInvalid, fieldRequired, fieldUnsupported, invalid, type StatusCause } from './status.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const SUBDOMAIN_MSG = `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
const LABEL_MSG = `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
const LABEL_VALUE_MSG = `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`;
const KEY_MSG = `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`;

/** Kinds whose names are path segments (RBAC names such as `system:auth-delegator`). */
const PATH_SEGMENT_NAMES = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function nameCauses(kind: KindInfo, name: string): StatusCause[] {
  if (!name) return [fieldRequired('metadata.name', 'name or generateName is required')];
  if (PATH_SEGMENT_NAMES.has(kind.kind)) {
    if (name === '.' || name === '..') return [fieldInvalid('metadata.name', name, `may not be '${name}'`)];
    for (const bad of ['/', '%']) if (name.includes(bad)) return [fieldInvalid('metadata.name', name, `may not contain '${bad}'`)];
    return [];
  }
  if (kind.kind === 'Namespace') {
    if (name.length > 63) return [fieldInvalid('metadata.name', name, 'must be no more than 63 characters')];
    return LABEL.test(name) ? [] : [fieldInvalid('metadata.name', name, LABEL_MSG)];
  }
  if (name.length > 253) return [fieldInvalid('metadata.name', name, 'must be no more than 253 characters')];
  return SUBDOMAIN.test(name) ? [] : [fieldInvalid('metadata.name', name, SUBDOMAIN_MSG)];
}

function labelCauses(labels: unknown): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (!QUALIFIED_NAME.test(k)) out.push(fieldInvalid('metadata.labels', k, KEY_MSG));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) out.push(fieldInvalid('metadata.labels', v, LABEL_VALUE_MSG));
  }
  return out;
}

function ruleCauses(rules: unknown, namespaced: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  if (rules !== undefined && !Array.isArray(rules)) return [fieldInvalid('rules', rules, 'must be a list')];
  (rules as Record<string, string[] | undefined>[] | undefined ?? []).forEach((r, i) => {
    const f = `rules[${i}]`;
    if (!r.verbs?.length) out.push(fieldRequired(`${f}.verbs`, 'verbs must contain at least one value'));
    if (r.nonResourceURLs?.length) {
      if (namespaced) out.push(fieldInvalid(`${f}.nonResourceURLs`, r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length) {
        out.push(fieldInvalid(`${f}.nonResourceURLs`, r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!r.apiGroups?.length) out.push(fieldRequired(`${f}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!r.resources?.length) out.push(fieldRequired(`${f}.resources`, 'resource rules must supply at least one resource'));
  });
  return out;
}

function bindingCauses(obj: KubeObject, clusterScoped: boolean, old?: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const ref = (obj.roleRef ?? {}) as Record<string, string>;
  const kinds = clusterScoped ? ['ClusterRole'] : ['ClusterRole', 'Role'];
  if (!kinds.includes(ref.kind ?? '')) out.push(fieldUnsupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) out.push(fieldRequired('roleRef.name'));
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') out.push(fieldUnsupported('roleRef.apiGroup', ref.apiGroup ?? '', ['rbac.authorization.k8s.io']));
  if (old && JSON.stringify(old.roleRef) !== JSON.stringify(obj.roleRef)) out.push(fieldInvalid('roleRef', obj.roleRef, 'cannot change roleRef'));
  ((obj.subjects ?? []) as Record<string, string>[]).forEach((s, i) => {
    if (!['User', 'Group', 'ServiceAccount'].includes(s.kind ?? '')) out.push(fieldUnsupported(`subjects[${i}].kind`, s.kind ?? '', ['Group', 'ServiceAccount', 'User']));
    if (!s.name) out.push(fieldRequired(`subjects[${i}].name`));
    if (s.kind === 'ServiceAccount' && clusterScoped && !s.namespace) out.push(fieldRequired(`subjects[${i}].namespace`));
  });
  return out;
}

function webhookCauses(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  ((obj.webhooks ?? []) as Record<string, any>[]).forEach((w, i) => {
    const f = `webhooks[${i}]`;
    if (!w.name) out.push(fieldRequired(`${f}.name`));
    else if (!SUBDOMAIN.test(w.name) || w.name.split('.').length < 3) out.push(fieldInvalid(`${f}.name`, w.name, 'should be a domain with at least three segments separated by dots'));
    const cc = w.clientConfig ?? {};
    if (!!cc.url === !!cc.service) out.push(fieldRequired(`${f}.clientConfig`, 'exactly one of url or service is required'));
    if (cc.url && !String(cc.url).startsWith('https://')) out.push(fieldInvalid(`${f}.clientConfig.url`, cc.url, "'https' is the only allowed URL scheme"));
    if (!['None', 'NoneOnDryRun'].includes(w.sideEffects)) out.push(fieldUnsupported(`${f}.sideEffects`, w.sideEffects ?? '', ['None', 'NoneOnDryRun']));
    if (!Array.isArray(w.admissionReviewVersions) || !w.admissionReviewVersions.length) {
      out.push(fieldRequired(`${f}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
    }
  });
  return out;
}

/** Throws 422 Invalid when the object breaks a rule; `old` is set on update. */
export function validate(kind: KindInfo, obj: KubeObject, old?: KubeObject): void {
  const causes = [...nameCauses(kind, obj.metadata.name), ...labelCauses(obj.metadata.labels)];
  switch (kind.kind) {
    case 'Role': causes.push(...ruleCauses(obj.rules, true)); break;
    case 'ClusterRole': causes.push(...ruleCauses(obj.rules, false)); break;
    case 'RoleBinding': causes.push(...bindingCauses(obj, false, old)); break;
    case 'ClusterRoleBinding': causes.push(...bindingCauses(obj, true, old)); break;
    case 'MutatingWebhookConfiguration': case 'ValidatingWebhookConfiguration': causes.push(...webhookCauses(obj)); break;
    case 'Secret':
      if (obj.type === 'kubernetes.io/service-account-token' && !obj.metadata.annotations?.['kubernetes.io/service-account.name']) {
        causes.push(fieldRequired('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      if (old && (old.type ?? 'Opaque') !== (obj.type ?? 'Opaque')) causes.push(fieldInvalid('type', obj.type, 'field is immutable'));
      if (old?.immutable && (JSON.stringify(old.data ?? {}) !== JSON.stringify(obj.data ?? {}))) {
        causes.push(fieldForbidden('data', 'field is immutable when `immutable` is set'));
      }
      break;
    case 'Pod': {
      const containers = obj.spec?.containers;
      if (!Array.isArray(containers) || !containers.length) causes.push(fieldRequired('spec.containers'));
      else containers.forEach((c: Record<string, unknown>, i: number) => { if (!c.name) causes.push(fieldRequired(`spec.containers[${i}].name`)); });
      break;
    }
  }
  if (causes.length) throw invalid(kind, obj.metadata.name || obj.metadata.generateName || '', causes);
}
