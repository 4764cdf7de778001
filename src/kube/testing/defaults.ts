/**
 * Defaulting and the built-in mutating admission a cluster applies before storing an object:
 * namespace labels, Secret stringData, the ServiceAccount admission plugin's projected token volume
 * on pods, webhook configuration defaults. Pure functions over the object.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from './store.js';

export const SA_TOKEN_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The alphabet of generateName and kube-api-access suffixes (no vowels, no confusable digits). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  return [...randomBytes(n)].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
}

export function defaultNamespace(obj: KubeObject): void {
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
  obj.spec = { finalizers: ['kubernetes'], ...obj.spec };
  obj.status = { phase: obj.metadata.deletionTimestamp ? 'Terminating' : 'Active' };
}

/** `stringData` is write-only: merged into `data` (base64) and dropped, as the API server does. */
export function defaultSecret(obj: KubeObject): void {
  obj.type ??= 'Opaque';
  if (obj.stringData && typeof obj.stringData === 'object') {
    obj.data = { ...obj.data };
    for (const [k, v] of Object.entries(obj.stringData as Record<string, unknown>)) obj.data[k] = Buffer.from(String(v)).toString('base64');
  }
  delete obj.stringData;
}

/**
 * The ServiceAccount admission plugin: default `serviceAccountName`, and unless automounting is off,
 * add the `kube-api-access-*` projected volume (token, kube-root-ca.crt, namespace) to every container.
 */
export function admitPodServiceAccount(pod: KubeObject, sa: KubeObject): void {
  const spec = (pod.spec ??= {});
  spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
  spec.serviceAccount = spec.serviceAccountName;
  const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Record<string, any>[];
  const alreadyMounted = containers.some((c) => (c.volumeMounts ?? []).some((m: Record<string, unknown>) => m.mountPath === SA_TOKEN_MOUNT));
  if (!automount || alreadyMounted) return;
  const volume = `kube-api-access-${randomSuffix()}`;
  spec.volumes = [...(spec.volumes ?? []), {
    name: volume,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  }];
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume, readOnly: true, mountPath: SA_TOKEN_MOUNT }];
}

export function defaultPod(pod: KubeObject): void {
  const spec = (pod.spec ??= {});
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Record<string, unknown>[]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= String(c.image ?? '').endsWith(':latest') || !String(c.image ?? '').includes(':') ? 'Always' : 'IfNotPresent';
    c.resources ??= {};
  }
  // Nothing schedules or runs pods here: they stay Pending, as on a cluster without nodes.
  pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
}

export function defaultWebhooks(obj: KubeObject, mutating: boolean): void {
  for (const w of (obj.webhooks ?? []) as Record<string, any>[]) {
    w.failurePolicy ??= 'Fail';
    w.matchPolicy ??= 'Equivalent';
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (mutating) w.reinvocationPolicy ??= 'Never';
    for (const r of (w.rules ?? []) as Record<string, unknown>[]) r.scope ??= '*';
  }
}

export function defaultDeployment(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  obj.status ??= {};
}

/** rbac/v1 defaulting: an empty roleRef.apiGroup, and User/Group subjects' apiGroup, mean the RBAC group. */
export function defaultBinding(obj: KubeObject): void {
  const rbac = 'rbac.authorization.k8s.io';
  if (obj.roleRef && typeof obj.roleRef === 'object' && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = rbac;
  for (const s of (obj.subjects ?? []) as Record<string, unknown>[]) {
    if (s.kind !== 'ServiceAccount' && !s.apiGroup) s.apiGroup = rbac;
  }
}

/** Per-kind defaulting, applied on create and update. */
export function applyDefaults(kindName: string, obj: KubeObject): void {
  switch (kindName) {
    case 'Namespace': defaultNamespace(obj); break;
    case 'Secret': defaultSecret(obj); break;
    case 'Pod': defaultPod(obj); break;
    case 'Deployment': defaultDeployment(obj); break;
    case 'RoleBinding': case 'ClusterRoleBinding': defaultBinding(obj); break;
    case 'MutatingWebhookConfiguration': defaultWebhooks(obj, true); break;
    case 'ValidatingWebhookConfiguration': defaultWebhooks(obj, false); break;
  }
}
