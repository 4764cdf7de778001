/**
 * The kinds the test server serves: one row per resource, from which routing, discovery, RBAC
 * attributes, Status details and Table output are all derived.
 */

export interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface KindInfo {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  /** Request-only kinds (reviews): POST answers, nothing is stored. */
  virtual?: boolean;
  /** DELETE answers with the deleted object instead of a Success Status (ServiceAccount, Pod, Namespace). */
  deleteReturnsObject?: boolean;
  /** Field selectors besides metadata.name and metadata.namespace. */
  fieldSelectors?: string[];
  /** Kinds a controller watches: their events are kept for watch-from-resourceVersion. */
  watchable: boolean;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function kind(group: string, k: string, plural: string, namespaced: boolean, extra: Partial<KindInfo> = {}): KindInfo {
  return {
    group, version: 'v1', kind: k, listKind: `${k}List`, plural, singular: k.toLowerCase(), namespaced,
    verbs: CRUD, watchable: true, ...extra,
  };
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export const BUILTIN_KINDS: KindInfo[] = [
  kind('', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], deleteReturnsObject: true,
    fieldSelectors: ['status.phase'],
    subresources: [{ name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] }],
  }),
  kind('', 'ServiceAccount', 'serviceaccounts', true, {
    shortNames: ['sa'], deleteReturnsObject: true,
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  }),
  kind('', 'Secret', 'secrets', true, { fieldSelectors: ['type'] }),
  kind('', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  kind('', 'Pod', 'pods', true, {
    shortNames: ['po'], categories: ['all'], deleteReturnsObject: true,
    fieldSelectors: ['spec.nodeName', 'spec.serviceAccountName', 'status.phase'],
    subresources: [{ name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] }],
  }),
  kind('apps', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'], categories: ['all'],
    subresources: [{ name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] }],
  }),
  kind('coordination.k8s.io', 'Lease', 'leases', true),
  kind('authentication.k8s.io', 'TokenReview', 'tokenreviews', false, { verbs: ['create'], virtual: true, watchable: false }),
  kind('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews', false, { verbs: ['create'], virtual: true, watchable: false }),
  kind('authorization.k8s.io', 'SubjectAccessReview', 'subjectaccessreviews', false, { verbs: ['create'], virtual: true, watchable: false }),
  kind('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { verbs: ['create'], virtual: true, watchable: false }),
  kind('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, { verbs: ['create'], virtual: true, watchable: false }),
  kind(RBAC_GROUP, 'Role', 'roles', true),
  kind(RBAC_GROUP, 'ClusterRole', 'clusterroles', false),
  kind(RBAC_GROUP, 'RoleBinding', 'rolebindings', true),
  kind(RBAC_GROUP, 'ClusterRoleBinding', 'clusterrolebindings', false),
  kind('admissionregistration.k8s.io', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false),
  kind('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false),
];

export const apiVersionOf = (k: Pick<KindInfo, 'group' | 'version'>) => (k.group ? `${k.group}/${k.version}` : k.version);

/** Lookup by (group, version, plural) for routing and by (apiVersion, kind) for bodies and ownerReferences. */
export class KindRegistry {
  private byPath = new Map<string, KindInfo>();
  private byKind = new Map<string, KindInfo>();
  readonly all: KindInfo[] = [];

  constructor(kinds: KindInfo[] = BUILTIN_KINDS) {
    for (const k of kinds) this.add(k);
  }

  add(k: KindInfo): void {
    this.all.push(k);
    this.byPath.set(`${k.group}/${k.version}/${k.plural}`, k);
    this.byKind.set(`${apiVersionOf(k)}/${k.kind}`, k);
  }

  resource(group: string, version: string, plural: string): KindInfo | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  kind(apiVersion: string, kindName: string): KindInfo | undefined {
    return this.byKind.get(`${apiVersion}/${kindName}`);
  }

  /** Group names in discovery order: the core group is served under /api, the rest under /apis. */
  groups(): string[] {
    const seen: string[] = [];
    for (const k of this.all) if (k.group && !seen.includes(k.group)) seen.push(k.group);
    return seen;
  }

  versions(group: string): string[] {
    return [...new Set(this.all.filter((k) => k.group === group).map((k) => k.version))];
  }

  inGroupVersion(group: string, version: string): KindInfo[] {
    return this.all.filter((k) => k.group === group && k.version === version);
  }
}

/** Shortcut for server code that needs a built-in kind by plural. */
export function builtin(registry: KindRegistry, group: string, plural: string): KindInfo {
  const k = registry.resource(group, 'v1', plural);
  if (!k) throw new Error(`kind ${group}/${plural} is not registered`);
  return k;
}
