/**
 * The controllers whose effects Coffer and its users observe, run synchronously after each write so
 * tests are deterministic: the service-account controller (a `default` SA per namespace), the
 * root-CA publisher (`kube-root-ca.crt`), the token controller (legacy token Secrets), the garbage
 * collector (ownerReferences) and the namespace controller (deleting a namespace's content).
 */
import type { KubeCluster } from './cluster.js';
import { BOOTSTRAP_ANNOTATIONS, BOOTSTRAP_LABELS, CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, SYSTEM_NAMESPACES } from './bootstrap.js';
import { randomSuffix } from './defaults.js';
import type { KindInfo } from './resources.js';
import type { KubeObject } from './store.js';

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

export class Controllers {
  /** Namespaces being emptied right now (deletions inside must not restart the sweep). */
  private finishing = new Set<string>();

  constructor(private readonly c: KubeCluster) {}

  async bootstrap(): Promise<void> {
    const c = this.c;
    for (const name of SYSTEM_NAMESPACES) await c.create(c.kind('namespaces'), undefined, { metadata: { name } });
    const rbac = 'rbac.authorization.k8s.io';
    for (const [name, rules] of Object.entries(CLUSTER_ROLES)) {
      await c.create(c.kind('clusterroles', rbac), undefined, { metadata: { name, labels: BOOTSTRAP_LABELS, annotations: BOOTSTRAP_ANNOTATIONS }, rules });
    }
    for (const [name, b] of Object.entries(CLUSTER_ROLE_BINDINGS)) {
      await c.create(c.kind('clusterrolebindings', rbac), undefined, {
        metadata: { name, labels: BOOTSTRAP_LABELS, annotations: BOOTSTRAP_ANNOTATIONS },
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: b.role }, subjects: b.subjects,
      });
    }
  }

  async afterCreate(kind: KindInfo, obj: KubeObject): Promise<void> {
    const c = this.c;
    if (kind.group) return;
    switch (kind.plural) {
      case 'namespaces': {
        const ns = obj.metadata.name;
        await c.create(c.kind('serviceaccounts'), ns, { metadata: { name: 'default' } });
        await c.create(c.kind('configmaps'), ns, {
          metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
          data: { 'ca.crt': c.options.caPem },
        });
        break;
      }
      case 'serviceaccounts':
        if (c.options.legacyTokenSecrets) await this.generateLegacySecret(obj);
        break;
      case 'secrets':
        if (obj.type === SA_TOKEN_TYPE) await this.populateTokenSecret(obj);
        break;
    }
  }

  /** Pre-1.24 token controller: a `<sa>-token-xxxxx` Secret, referenced from the SA's `secrets`. */
  private async generateLegacySecret(sa: KubeObject): Promise<void> {
    const c = this.c;
    const name = `${sa.metadata.name}-token-${randomSuffix()}`;
    await c.create(c.kind('secrets'), sa.metadata.namespace, {
      metadata: { name, annotations: { [SA_NAME_ANNOTATION]: sa.metadata.name, [SA_UID_ANNOTATION]: sa.metadata.uid! } },
      type: SA_TOKEN_TYPE,
    });
    const current = c.store.get(c.kind('serviceaccounts'), sa.metadata.namespace, sa.metadata.name);
    if (current) {
      current.secrets = [...(current.secrets ?? []), { name }];
      c.store.update(c.kind('serviceaccounts'), current);
    }
  }

  /** Fills token, ca.crt and namespace into a service-account-token Secret, or deletes it if its SA is gone. */
  private async populateTokenSecret(secret: KubeObject): Promise<void> {
    const c = this.c;
    const ns = secret.metadata.namespace!;
    const saName = secret.metadata.annotations?.[SA_NAME_ANNOTATION] ?? '';
    const sa = c.store.get(c.kind('serviceaccounts'), ns, saName);
    const wantedUid = secret.metadata.annotations?.[SA_UID_ANNOTATION];
    if (!sa || (wantedUid && wantedUid !== sa.metadata.uid)) {
      await c.reallyDelete(c.kind('secrets'), secret, {});
      return;
    }
    const token = await c.signer.signLegacy({ namespace: ns, name: saName, uid: sa.metadata.uid! }, secret.metadata.name);
    const updated = c.store.get(c.kind('secrets'), ns, secret.metadata.name);
    if (!updated) return;
    updated.metadata.annotations = { ...updated.metadata.annotations, [SA_UID_ANNOTATION]: sa.metadata.uid! };
    updated.data = {
      ...updated.data,
      'ca.crt': Buffer.from(c.options.caPem).toString('base64'),
      namespace: Buffer.from(ns).toString('base64'),
      token: Buffer.from(token).toString('base64'),
    };
    c.store.update(c.kind('secrets'), updated);
  }

  /**
   * After a deletion: the token controller removes the service account's token Secrets, the garbage
   * collector the dependents, and a Terminating namespace may now finish. All of it happens in the
   * background, as in a cluster (so `kubectl delete -f` can still delete what it lists next).
   */
  async afterDelete(kind: KindInfo, obj: KubeObject, orphan: boolean): Promise<void> {
    const c = this.c;
    this.later(async () => {
      if (!kind.group && kind.plural === 'serviceaccounts') {
        for (const s of c.store.list(c.kind('secrets'), obj.metadata.namespace)) {
          const a = s.metadata.annotations ?? {};
          if (s.type === SA_TOKEN_TYPE && a[SA_NAME_ANNOTATION] === obj.metadata.name && (!a[SA_UID_ANNOTATION] || a[SA_UID_ANNOTATION] === obj.metadata.uid)) {
            await this.deleteIfPresent(c.kind('secrets'), s);
          }
        }
      }
      await this.collectDependents(obj.metadata.uid!, orphan);
      const ns = kind.namespaced ? obj.metadata.namespace! : '';
      if (ns && !this.finishing.has(ns)) {
        const nsObj = c.store.get(c.kind('namespaces'), undefined, ns);
        if (nsObj?.metadata.deletionTimestamp) await this.finishNamespace(nsObj);
      }
    });
  }

  private async deleteIfPresent(kind: KindInfo, obj: KubeObject): Promise<void> {
    const c = this.c;
    if (c.store.get(kind, obj.metadata.namespace, obj.metadata.name)?.metadata.uid !== obj.metadata.uid) return;
    await c.reallyDelete(kind, obj, {});
  }

  /** The garbage collector: dependents whose owners are all gone are deleted; others lose the dangling reference. */
  private async collectDependents(ownerUid: string, orphan: boolean): Promise<void> {
    const c = this.c;
    const live = new Set<string>();
    const dependents: { kind: KindInfo; object: KubeObject }[] = [];
    for (const e of c.store.everything()) {
      live.add(e.object.metadata.uid!);
      if (e.object.metadata.ownerReferences?.some((r) => r.uid === ownerUid)) dependents.push(e);
    }
    for (const { kind, object } of dependents) {
      const current = c.store.get(kind, object.metadata.namespace, object.metadata.name);
      if (!current) continue;
      const remaining = (current.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid && live.has(r.uid));
      if (remaining.length || orphan) {
        current.metadata.ownerReferences = remaining.length ? remaining : undefined;
        if (!remaining.length) delete current.metadata.ownerReferences;
        c.store.update(kind, current);
      } else if (current.metadata.finalizers?.length) {
        current.metadata.deletionTimestamp ??= new Date(c.now()).toISOString().replace(/\.\d+Z$/, 'Z');
        c.store.update(kind, current);
      } else {
        await this.deleteIfPresent(kind, current);
      }
    }
  }

  private pending = new Set<Promise<void>>();

  /** Runs controller work after `controllerDelayMs`, tracked so tests can wait for it (idle()). */
  private later(work: () => Promise<void>): void {
    const p = new Promise<void>((resolve) => {
      const timer = setTimeout(() => { work().catch(() => undefined).finally(resolve); }, this.c.options.controllerDelayMs ?? 50);
      timer.unref();
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** A deleted namespace stays Terminating for a moment, then is emptied and removed. */
  scheduleNamespaceCleanup(name: string): void {
    const c = this.c;
    this.later(async () => {
      const ns = c.store.get(c.kind('namespaces'), undefined, name);
      if (ns) await this.finishNamespace(ns);
    });
  }

  /** Resolves once scheduled background work has finished (including work it scheduled). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** The namespace controller: delete everything in a terminating namespace, then the namespace. */
  async finishNamespace(ns: KubeObject): Promise<void> {
    const c = this.c;
    const name = ns.metadata.name;
    if (this.finishing.has(name)) return;
    this.finishing.add(name);
    try {
      await this.sweepNamespace(name);
    } finally {
      this.finishing.delete(name);
    }
  }

  private async sweepNamespace(name: string): Promise<void> {
    const c = this.c;
    const held: string[] = [];
    for (const kind of c.kinds.all) {
      if (!kind.namespaced || kind.virtual) continue;
      for (const o of c.store.list(kind, name)) {
        if (!c.store.get(kind, name, o.metadata.name)) continue; // already collected
        if (o.metadata.finalizers?.length) {
          held.push(o.metadata.name);
          if (!o.metadata.deletionTimestamp) {
            o.metadata.deletionTimestamp = new Date(c.now()).toISOString().replace(/\.\d+Z$/, 'Z');
            c.store.update(kind, o);
          }
          continue;
        }
        await this.deleteIfPresent(kind, o);
      }
    }
    // Objects held by finalizers keep the namespace Terminating until they are released.
    const ns = c.store.get(c.kind('namespaces'), undefined, name);
    if (!held.length && ns) await c.reallyDelete(c.kind('namespaces'), ns, {});
  }
}
