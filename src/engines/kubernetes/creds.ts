/**
 * <mount>/creds/:name: a service-account token under a lease, with the objects behind it (a
 * generated Role/ClusterRole, a binding, a service account, chained by ownerReferences) created
 * in Vault's order with a write-ahead entry, undone at once if a step fails, and deleted by the
 * lease's revocation (role, then binding, then account).
 */
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response, LogicalStorage } from '../../framework/types.js';
import type { SystemView } from '../../framework/backend.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import { formatDuration } from '../../lib/duration.js';
import type { Logger } from '../../lib/logger.js';
import type { KubeClient } from '../../kube/client.js';
import { fromLabelSelector, matches } from '../../kube/selector.js';
import { NameTemplate } from './name-template.js';
import { parseRules, parseSelector, readSecretsRole, singleNamespace, type KubeSecretsRole } from './roles.js';
import { deleteWal, putWal, retrySoon, type WalKind } from './wal.js';

export const KUBE_TOKEN_TYPE = 'kube_token';
const RBAC = 'rbac.authorization.k8s.io';
/** Set last, so extra_labels cannot override them. */
const STANDARD_LABELS = { 'app.kubernetes.io/managed-by': 'HashiCorp-Vault', 'app.kubernetes.io/created-by': 'vault-plugin-secrets-kubernetes' };

export interface CredsDeps {
  storage: LogicalStorage;
  system: SystemView;
  logger: Logger;
  now: () => number;
  client(): Promise<{ client: KubeClient; bearer: string }>;
}

const serverError = (message: string) => new CofferError(500, message);

async function namespaceAllowed(deps: CredsDeps, role: KubeSecretsRole, ns: string): Promise<boolean> {
  if (role.allowed_kubernetes_namespaces.includes('*') || role.allowed_kubernetes_namespaces.includes(ns)) return true;
  if (!role.allowed_kubernetes_namespace_selector) return false;
  const { client, bearer } = await deps.client();
  const labels = (await client.readNamespace(bearer, ns)).metadata?.labels;
  return matches(fromLabelSelector(parseSelector(role.allowed_kubernetes_namespace_selector)), labels);
}

/** exp - iat of the issued token, in seconds. */
function issuedLifetime(token: string): number {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  return Math.trunc(Number(claims.exp ?? 0)) - Math.trunc(Number(claims.iat ?? 0));
}

interface Created { kind: WalKind | 'ServiceAccount'; name: string; namespace: string }

export async function createCreds(deps: CredsDeps, req: Request, d: FieldData): Promise<Response> {
  const roleName = d.str('name').toLowerCase();
  const role = await readSecretsRole(deps.storage, roleName);
  if (!role) throw badRequest(`role '${roleName}' does not exist`);
  let ns = d.str('kubernetes_namespace');
  const clusterBinding = d.bool('cluster_role_binding');
  if (!ns) {
    // Vault wraps this in a 500; a missing field is the client's to fix.
    if (!singleNamespace(role)) throw badRequest("error verifying namespace: 'kubernetes_namespace' is required unless the Vault role has a single namespace specified");
    ns = role.allowed_kubernetes_namespaces[0]!;
  } else {
    let ok: boolean;
    try { ok = await namespaceAllowed(deps, role, ns); } catch (e) { throw serverError(`error verifying namespace: ${(e as Error).message}`); }
    if (!ok) {
      throw badRequest(`kubernetes_namespace '${ns}' is not present in role's allowed_kubernetes_namespaces or does not match role's label selector allowed_kubernetes_namespace_selector`);
    }
  }
  if (clusterBinding && role.kubernetes_role_type === 'Role') throw badRequest('a ClusterRoleBinding cannot ref a Role');

  const warnings: string[] = [];
  let ttl = d.int('ttl') > 0 ? d.int('ttl') : role.token_default_ttl > 0 ? role.token_default_ttl : deps.system.defaultLeaseTTL();
  if (role.token_max_ttl > 0 && ttl > role.token_max_ttl) {
    warnings.push(`ttl of ${formatDuration(ttl)} is greater than the role's token_max_ttl of ${formatDuration(role.token_max_ttl)}; capping accordingly`);
    ttl = role.token_max_ttl;
  }
  if (ttl > deps.system.maxLeaseTTL()) {
    warnings.push(`ttl of ${formatDuration(ttl)} is greater than Vault's max lease ttl ${formatDuration(deps.system.maxLeaseTTL())}; capping accordingly`);
    ttl = deps.system.maxLeaseTTL();
  }
  const audiences = d.list('audiences').length ? d.list('audiences') : role.token_default_audiences;
  const name = await NameTemplate.parse(role.name_template, deps.now).generate({ DisplayName: req.token?.displayName ?? '', RoleName: role.name });
  const { client, bearer } = await deps.client();
  const meta = (extra: Partial<V1ObjectMeta> = {}): V1ObjectMeta => ({
    name, labels: { ...role.extra_labels, ...STANDARD_LABELS }, ...(Object.keys(role.extra_annotations).length ? { annotations: role.extra_annotations } : {}), ...extra,
  });
  const bindingKind: WalKind = clusterBinding ? 'ClusterRoleBinding' : 'RoleBinding';
  const created: Created[] = [];
  let walId = '';

  const createBinding = async (roleRefName: string, owner?: V1OwnerReference): Promise<V1OwnerReference> => {
    const body = {
      metadata: meta(owner ? { ownerReferences: [owner] } : {}),
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      roleRef: { apiGroup: RBAC, kind: role.kubernetes_role_type, name: roleRefName },
    };
    try {
      const b = clusterBinding ? await client.createClusterRoleBinding(bearer, body) : await client.createRoleBinding(bearer, ns, { ...body, metadata: { ...body.metadata, namespace: ns } });
      created.push({ kind: bindingKind, name, namespace: ns });
      return { apiVersion: `${RBAC}/v1`, kind: bindingKind, name, uid: b.metadata!.uid! };
    } catch (e) {
      throw serverError(`failed to create RoleBinding/ClusterRoleBinding '${name}' for ${roleRefName}: ${(e as Error).message}`);
    }
  };
  const createAccount = async (owner: V1OwnerReference) => {
    try {
      await client.createServiceAccount(bearer, ns, { metadata: meta({ namespace: ns, ownerReferences: [owner] }) });
      created.push({ kind: 'ServiceAccount', name, namespace: ns });
    } catch (e) {
      throw serverError(`failed to create service account '${ns}/${name}': ${(e as Error).message}`);
    }
  };
  const requestToken = async (account: string) => {
    try {
      const tr = await client.requestToken(bearer, ns, account, { audiences, expirationSeconds: ttl });
      return tr.status!.token;
    } catch (e) {
      throw serverError(`failed to create a service account token for ${ns}/${account}: ${(e as Error).message}`);
    }
  };

  let token: string;
  try {
    if (role.service_account_name) {
      token = await requestToken(role.service_account_name);
    } else if (role.kubernetes_role_name) {
      walId = await putWal(deps.storage, bindingKind, ns, name, deps.now());
      const owner = await createBinding(role.kubernetes_role_name);
      await createAccount(owner);
      token = await requestToken(name);
    } else {
      const roleKind: WalKind = role.kubernetes_role_type === 'ClusterRole' ? 'ClusterRole' : 'Role';
      walId = await putWal(deps.storage, roleKind, ns, name, deps.now());
      let owner: V1OwnerReference;
      try {
        const body = { metadata: meta(roleKind === 'Role' ? { namespace: ns } : {}), rules: parseRules(role.generated_role_rules) };
        const r = roleKind === 'Role' ? await client.createRole(bearer, ns, body) : await client.createClusterRole(bearer, body);
        created.push({ kind: roleKind, name, namespace: ns });
        owner = { apiVersion: `${RBAC}/v1`, kind: roleKind, name, uid: r.metadata!.uid! };
      } catch (e) {
        throw serverError(`failed to create Role/ClusterRole '${ns}/${name}: ${(e as Error).message}`);
      }
      await createBinding(name, owner);
      await createAccount(owner);
      token = await requestToken(name);
    }
  } catch (e) {
    if (walId) await undo(deps, client, bearer, created, walId);
    throw e;
  }

  const secret = {
    type: KUBE_TOKEN_TYPE, ttl, renewable: false,
    ...(role.token_max_ttl > 0 ? { maxTTL: role.token_max_ttl } : {}),
    internal: {
      role: roleName, service_account_namespace: ns, cluster_role_binding: clusterBinding,
      created_service_account: role.service_account_name ? '' : name,
      created_role_binding: role.service_account_name ? '' : name,
      created_role: role.generated_role_rules ? name : '',
      created_role_type: role.kubernetes_role_type,
    },
  };
  const issued = issuedLifetime(token);
  if (issued > ttl) {
    warnings.push(`the created Kubernetes service accout token TTL ${formatDuration(issued)} is greater than the Vault lease TTL ${formatDuration(ttl)}`);
  } else if (issued < ttl) {
    warnings.push(`the created Kubernetes service accout token TTL ${formatDuration(issued)} is less than the Vault lease TTL ${formatDuration(ttl)}; capping the lease TTL accordingly`);
    secret.ttl = issued;
  }
  if (role.service_account_name) {
    warnings.push(`tokens for the existing service account ${ns}/${role.service_account_name} cannot be revoked in Kubernetes: this one stays valid until it expires`);
  }
  if (walId) await deleteWal(deps.storage, walId);
  return {
    data: { service_account_name: role.service_account_name || name, service_account_namespace: ns, service_account_token: token },
    secret,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** Deletes what a failed request created, newest first; keeps the WAL entry for the sweeper if that fails too. */
async function undo(deps: CredsDeps, client: KubeClient, bearer: string, created: Created[], walId: string): Promise<void> {
  try {
    for (const o of [...created].reverse()) await client.delete(bearer, o.kind, o.name, o.namespace);
    await deleteWal(deps.storage, walId);
  } catch (e) {
    deps.logger.warn({ error: (e as Error).message }, 'kubernetes secrets: could not undo a half-created credential; will retry');
    await retrySoon(deps.storage, walId, deps.now());
  }
}

/** The lease's revocation: role, binding, then service account; gone already is fine; errors are retried by the lease manager. */
export async function revokeCreds(deps: CredsDeps, internal: Record<string, unknown>): Promise<void> {
  const ns = String(internal.service_account_namespace ?? '');
  const steps: [string, () => Promise<unknown>][] = [];
  const { client, bearer } = await deps.client();
  const roleName = String(internal.created_role ?? '');
  const roleType = String(internal.created_role_type ?? 'Role') === 'ClusterRole' ? 'ClusterRole' : 'Role';
  const binding = String(internal.created_role_binding ?? '');
  const bindingKind = internal.cluster_role_binding ? 'ClusterRoleBinding' : 'RoleBinding';
  const account = String(internal.created_service_account ?? '');
  if (roleName) steps.push([`failed to delete ${roleType} '${ns}/${roleName}'`, () => client.delete(bearer, roleType, roleName, ns)]);
  if (binding) steps.push([`failed to delete ${bindingKind} '${ns}/${binding}`, () => client.delete(bearer, bindingKind, binding, ns)]);
  if (account) steps.push([`failed to delete ServiceAccount '${ns}/${account}'`, () => client.delete(bearer, 'ServiceAccount', account, ns)]);
  const errors: string[] = [];
  for (const [what, step] of steps) {
    try { await step(); } catch (e) { errors.push(`${what}: ${(e as Error).message}`); }
  }
  if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `${errors.length} errors occurred:\n\t* ${errors.join('\n\t* ')}`);
}
