/**
 * RBAC as kube-apiserver's RBAC authorizer applies it: rules from ClusterRoleBindings everywhere and
 * RoleBindings in their namespace, with `*`, star-slash-subresource, resourceNames and nonResourceURLs; the
 * 403 wording of the apiserver; and the escalation check that refuses to create a role or binding
 * granting more than the requester holds unless it has `escalate`/`bind`.
 */
import type { ObjectStore, KubeObject } from './store.js';
import { builtin, RBAC_GROUP, type KindRegistry } from './resources.js';
import { forbidden, notFound, type KubeError } from './status.js';
import type { UserInfo } from './tokens.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  namespace: string;
  path: string;
}

export type Subject = { kind: string; name: string; namespace?: string; apiGroup?: string };

const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (!!subresource && r === `*/${subresource}`));
}

function urlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleAllows(rule: PolicyRule, a: Omit<Attributes, 'user'>): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return urlMatches(rule, a.path);
  return has(rule.apiGroups, a.apiGroup) && resourceMatches(rule, a.resource, a.subresource)
    && (!rule.resourceNames?.length || (!!a.name && rule.resourceNames.includes(a.name)));
}

export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User': return s.name === user.username;
    case 'Group': return user.groups.includes(s.name);
    case 'ServiceAccount': return user.username === `system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
    default: return false;
  }
}

export class Rbac {
  constructor(private readonly store: ObjectStore, private readonly kinds: KindRegistry) {}

  private k(plural: string) { return builtin(this.kinds, RBAC_GROUP, plural); }

  /** Rules of the role a binding refers to, or the NotFound the authorizer reports as its reason. */
  roleRules(roleRef: { kind: string; name: string }, namespace: string): PolicyRule[] | KubeError {
    const kind = roleRef.kind === 'ClusterRole' ? this.k('clusterroles') : this.k('roles');
    const role = this.store.get(kind, roleRef.kind === 'ClusterRole' ? undefined : namespace, roleRef.name);
    return role ? ((role.rules ?? []) as PolicyRule[]) : notFound(kind, roleRef.name);
  }

  private *bindingsFor(user: UserInfo, namespace: string): Generator<{ binding: KubeObject; ns: string }> {
    for (const b of this.store.list(this.k('clusterrolebindings'))) {
      if ((b.subjects ?? []).some((s: Subject) => subjectMatches(s, user, ''))) yield { binding: b, ns: '' };
    }
    if (!namespace) return;
    for (const b of this.store.list(this.k('rolebindings'), namespace)) {
      if ((b.subjects ?? []).some((s: Subject) => subjectMatches(s, user, namespace))) yield { binding: b, ns: namespace };
    }
  }

  /** Every rule that applies to the user in a namespace ('' = cluster-wide rules only). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const { binding, ns } of this.bindingsFor(user, namespace)) {
      const r = this.roleRules(binding.roleRef ?? {}, ns);
      if (Array.isArray(r)) rules.push(...r); else errors.push(r.message);
    }
    return { rules, errors };
  }

  authorize(a: Attributes): { allowed: boolean; reason: string } {
    const errors: string[] = [];
    for (const { binding, ns } of this.bindingsFor(a.user, a.namespace)) {
      const r = this.roleRules(binding.roleRef ?? {}, ns);
      if (!Array.isArray(r)) { errors.push(r.message); continue; }
      if (r.some((rule) => ruleAllows(rule, a))) return { allowed: true, reason: '' };
    }
    return { allowed: false, reason: errors.length ? `RBAC: ${errors.join(', ')}` : '' };
  }

  /** The rules of `requested` that the user does not already hold in `namespace`. */
  uncovered(user: UserInfo, namespace: string, requested: PolicyRule[]): PolicyRule[] {
    const owned = this.rulesFor(user, namespace).rules;
    return requested.filter((rule) => !atomize(rule).every((atom) => owned.some((o) => ruleAllows(o, atom))));
  }

  /** Refuses a Role/ClusterRole write that would escalate, as the RBAC REST storage does. */
  checkRoleWrite(user: UserInfo, kindPlural: 'roles' | 'clusterroles', obj: KubeObject): void {
    const ns = kindPlural === 'roles' ? obj.metadata.namespace ?? '' : '';
    if (this.authorize(attrs(user, 'escalate', kindPlural, obj.metadata.name, ns)).allowed) return;
    const missing = this.uncovered(user, ns, (obj.rules ?? []) as PolicyRule[]);
    if (missing.length) throw forbidden(this.k(kindPlural), obj.metadata.name, escalationMessage(user, missing));
  }

  /** Refuses a binding to a role whose rules the user lacks, unless the user may `bind` that role. */
  checkBindingWrite(user: UserInfo, kindPlural: 'rolebindings' | 'clusterrolebindings', obj: KubeObject): void {
    const ns = kindPlural === 'rolebindings' ? obj.metadata.namespace ?? '' : '';
    const ref = obj.roleRef ?? {};
    const rolePlural = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
    if (this.authorize(attrs(user, 'bind', rolePlural, ref.name, rolePlural === 'roles' ? ns : ns)).allowed) return;
    const rules = this.roleRules(ref, ns);
    if (!Array.isArray(rules)) throw rules;
    const missing = this.uncovered(user, ns, rules);
    if (missing.length) throw forbidden(this.k(kindPlural), obj.metadata.name, escalationMessage(user, missing));
  }
}

function attrs(user: UserInfo, verb: string, resource: string, name: string, namespace: string): Attributes {
  return { user, verb, resourceRequest: true, apiGroup: RBAC_GROUP, resource, subresource: '', name, namespace, path: '' };
}

/** One attribute set per (group, resource, verb, name) or (url, verb) a rule grants. */
function atomize(rule: PolicyRule): Omit<Attributes, 'user'>[] {
  const out: Omit<Attributes, 'user'>[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const path of rule.nonResourceURLs ?? []) {
      out.push({ verb, resourceRequest: false, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', path });
    }
    for (const apiGroup of rule.apiGroups ?? []) {
      for (const combined of rule.resources ?? []) {
        const [resource, subresource = ''] = combined.split('/', 2) as [string, string?];
        for (const name of rule.resourceNames?.length ? rule.resourceNames : ['']) {
          out.push({ verb, resourceRequest: true, apiGroup, resource, subresource, name, namespace: '', path: '' });
        }
      }
    }
  }
  return out;
}

const goList = (xs: string[] | undefined) => `[${(xs ?? []).map((x) => JSON.stringify(x)).join(' ')}]`;

function ruleText(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goList(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goList(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goList(r.nonResourceURLs)}`);
  parts.push(`Verbs:${goList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

function escalationMessage(user: UserInfo, missing: PolicyRule[]): string {
  return `user ${JSON.stringify(user.username)} (groups=${goList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(ruleText).join('\n')}`;
}

/** The apiserver's 403 text: "User "x" cannot list resource "pods" in API group "" in the namespace "ns"". */
export function forbiddenReason(a: Attributes): string {
  const who = JSON.stringify(a.user.username);
  if (!a.resourceRequest) return `User ${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${who} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}
