/**
 * <mount>/roles/:name: where credentials may be created (namespaces or a label selector), their
 * lifetime and audiences, and what they are: a token for an existing service account, a new
 * account bound to an existing Role/ClusterRole, or a new account with a generated role.
 * Writes merge into the stored role, as Vault's do.
 */
import { parse as parseYaml } from 'yaml';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { formatDuration } from '../../lib/duration.js';
import { fromLabelSelector, type LabelSelector } from '../../kube/selector.js';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { NameTemplate } from './name-template.js';

export interface KubeSecretsRole {
  name: string;
  allowed_kubernetes_namespaces: string[];
  allowed_kubernetes_namespace_selector: string;
  token_max_ttl: number;
  token_default_ttl: number;
  token_default_audiences: string[];
  service_account_name: string;
  kubernetes_role_name: string;
  kubernetes_role_type: string;
  generated_role_rules: string;
  name_template: string;
  extra_annotations: Record<string, string>;
  extra_labels: Record<string, string>;
}

export const roleFields: FieldTable = {
  name: { type: 'string', description: 'Name of the role' },
  allowed_kubernetes_namespaces: { type: 'strings', description: 'A list of the Kubernetes namespaces in which credentials can be generated. If set to "*" all namespaces are allowed.' },
  allowed_kubernetes_namespace_selector: { type: 'string', description: 'A label selector for Kubernetes namespaces in which credentials can be generated. Accepts either a JSON or YAML object.' },
  token_max_ttl: { type: 'duration', description: 'The maximum ttl for generated Kubernetes service account tokens. If not set or set to 0, will use system default.' },
  token_default_ttl: { type: 'duration', description: 'The default ttl for generated Kubernetes service account tokens. If not set or set to 0, will use system default.' },
  token_default_audiences: { type: 'strings', description: 'The default audiences for generated Kubernetes service account tokens. If not set or set to "", will use k8s cluster default.' },
  service_account_name: { type: 'string', description: 'The pre-existing service account to generate tokens for. Mutually exclusive with all role parameters. If set, only a Kubernetes service account token will be created.' },
  kubernetes_role_name: { type: 'string', description: 'The pre-existing Role or ClusterRole to bind a generated service account to. If set, Kubernetes token, service account, and role binding objects will be created.' },
  kubernetes_role_type: { type: 'string', default: 'Role', description: 'Specifies whether the Kubernetes role is a Role or ClusterRole.' },
  generated_role_rules: { type: 'string', description: 'The Role or ClusterRole rules to use when generating a role. Accepts either JSON or YAML formatted rules. If set, the entire chain of Kubernetes objects will be generated.' },
  name_template: { type: 'string', description: 'The name template to use when generating service accounts, roles and role bindings. If unset, a default template is used.' },
  extra_annotations: { type: 'kvpairs', description: 'Additional annotations to apply to all generated Kubernetes objects.' },
  extra_labels: { type: 'kvpairs', description: 'Additional labels to apply to all generated Kubernetes objects.' },
};

const roleKey = (name: string) => `roles/${name.toLowerCase()}`;

export const readSecretsRole = (storage: LogicalStorage, name: string) => storage.getJSON<KubeSecretsRole>(roleKey(name));

/** `role` → `Role`, `clusterrole` → `ClusterRole`, anything else unchanged (and then refused). */
export function normalizeRoleType(t: string): string {
  switch (t.toLowerCase()) {
    case 'role': return 'Role';
    case 'clusterrole': return 'ClusterRole';
    default: return t;
  }
}

export function parseSelector(text: string): LabelSelector {
  const sel = parseYaml(text);
  if (!sel || typeof sel !== 'object' || Array.isArray(sel)) throw new Error('not an object');
  fromLabelSelector(sel as LabelSelector);
  return sel as LabelSelector;
}

/** generated_role_rules as `{"rules": [PolicyRule…]}` in JSON or YAML. */
export function parseRules(text: string): V1PolicyRule[] {
  const doc = parseYaml(text);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not an object');
  const rules = (doc as { rules?: unknown }).rules ?? [];
  if (!Array.isArray(rules)) throw new Error('rules is not a list');
  for (const r of rules) {
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error('a rule is not an object');
    for (const k of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
      const v = (r as Record<string, unknown>)[k];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw new Error(`${k} is not a list of strings`);
    }
  }
  return rules as V1PolicyRule[];
}

/** The role may issue in exactly one namespace (kubernetes_namespace can be omitted). */
export const singleNamespace = (r: KubeSecretsRole) =>
  r.allowed_kubernetes_namespaces.length === 1 && r.allowed_kubernetes_namespaces[0] !== '*' && !r.allowed_kubernetes_namespace_selector;

export function rolePaths(storage: LogicalStorage): PathDef[] {
  const write = async (_r: unknown, d: FieldData) => {
    const name = d.str('name').toLowerCase();
    if (!name) throw badRequest('role name must be specified');
    const r: KubeSecretsRole = (await readSecretsRole(storage, name)) ?? {
      name, allowed_kubernetes_namespaces: [], allowed_kubernetes_namespace_selector: '', token_max_ttl: 0, token_default_ttl: 0,
      token_default_audiences: [], service_account_name: '', kubernetes_role_name: '', kubernetes_role_type: '', generated_role_rules: '',
      name_template: '', extra_annotations: {}, extra_labels: {},
    };
    if (d.has('allowed_kubernetes_namespaces')) r.allowed_kubernetes_namespaces = [...new Set(d.list('allowed_kubernetes_namespaces').map((n) => n.toLowerCase()))];
    for (const k of ['allowed_kubernetes_namespace_selector', 'service_account_name', 'kubernetes_role_name', 'kubernetes_role_type', 'generated_role_rules', 'name_template'] as const) {
      if (d.has(k)) r[k] = d.str(k);
    }
    if (d.has('token_max_ttl')) r.token_max_ttl = d.int('token_max_ttl');
    if (d.has('token_default_ttl')) r.token_default_ttl = d.int('token_default_ttl');
    if (d.has('token_default_audiences')) r.token_default_audiences = [...new Set(d.list('token_default_audiences'))];
    if (d.has('extra_labels')) r.extra_labels = d.get<Record<string, string>>('extra_labels');
    if (d.has('extra_annotations')) r.extra_annotations = d.get<Record<string, string>>('extra_annotations');
    r.kubernetes_role_type ||= 'Role';

    if (!r.allowed_kubernetes_namespaces.length && !r.allowed_kubernetes_namespace_selector) {
      throw badRequest('one (at least) of allowed_kubernetes_namespaces or allowed_kubernetes_namespace_selector must be set');
    }
    if ([r.service_account_name, r.kubernetes_role_name, r.generated_role_rules].filter(Boolean).length !== 1) {
      throw badRequest('one (and only one) of service_account_name, kubernetes_role_name or generated_role_rules must be set');
    }
    if (r.token_max_ttl > 0 && r.token_default_ttl > r.token_max_ttl) {
      throw badRequest(`token_default_ttl ${formatDuration(r.token_default_ttl)} cannot be greater than token_max_ttl ${formatDuration(r.token_max_ttl)}`);
    }
    r.kubernetes_role_type = normalizeRoleType(r.kubernetes_role_type);
    if (r.kubernetes_role_type !== 'Role' && r.kubernetes_role_type !== 'ClusterRole') throw badRequest("kubernetes_role_type must be either 'Role' or 'ClusterRole'");
    if (r.allowed_kubernetes_namespace_selector) {
      try { parseSelector(r.allowed_kubernetes_namespace_selector); } catch {
        throw badRequest("failed to parse 'allowed_kubernetes_namespace_selector' as k8s.io/api/meta/v1/LabelSelector object");
      }
    }
    if (r.generated_role_rules) {
      try { parseRules(r.generated_role_rules); } catch { throw badRequest("failed to parse 'generated_role_rules' as k8s.io/api/rbac/v1/Policy object"); }
    }
    try { NameTemplate.parse(r.name_template); } catch (e) { throw badRequest(`unable to initialize name template: ${(e as Error).message}`); }
    await storage.putJSON(roleKey(name), r);
    return null;
  };
  return [
    { pattern: 'roles', synopsis: 'List the existing roles in this secrets engine.', operations: { list: async () => ({ data: { keys: (await storage.list('roles/')).sort() } }) } },
    {
      pattern: 'roles/:name',
      fields: roleFields,
      synopsis: 'Manage the roles that can be created with this secrets engine.',
      existenceCheck: async (_r, d) => (await readSecretsRole(storage, d.str('name'))) !== undefined,
      operations: {
        read: async (_r, d) => {
          const r = await readSecretsRole(storage, d.str('name'));
          return r ? { data: { ...r } } : null;
        },
        create: write,
        update: write,
        delete: async (_r, d) => { await storage.delete(roleKey(d.str('name'))); return null; },
      },
    },
  ];
}
