/**
 * The cluster's object semantics, independent of HTTP: create/update/patch/delete with defaulting,
 * validation, admission, RBAC escalation checks, finalizers and the controllers' reactions.
 * The HTTP layer (server.ts) authenticates, authorizes and calls in here; helpers call it directly.
 */
import { randomUUID } from 'node:crypto';
import { applyDefaults, admitPodServiceAccount, randomSuffix } from './defaults.js';
import { applyPatch } from './patch.js';
import { Rbac } from './rbac.js';
import { builtin, KindRegistry, apiVersionOf, type KindInfo } from './resources.js';
import { badRequest, conflict, failure, forbidden, notFound, success, type Status } from './status.js';
import { ObjectStore, type KubeObject } from './store.js';
import { ServiceAccountSigner, type UserInfo } from './tokens.js';
import { validate } from './validation.js';
import { Controllers } from './controllers.js';
import { SYSTEM_NAMESPACES } from './bootstrap.js';
import { mutatingWebhooks } from './admission.js';

export interface ClusterOptions {
  issuer: string;
  apiAudiences: string[];
  caPem: string;
  now?: () => number;
  /** Pre-1.24 behaviour: every new ServiceAccount gets a `<name>-token-xxxxx` Secret listed in `.secrets`. */
  legacyTokenSecrets?: boolean;
  /** --service-account-max-token-expiration: longer TokenRequests are shortened to it (0 = no limit). */
  maxTokenExpirationSeconds?: number;
  /**
   * Shortest TokenRequest allowed (a cluster's is a fixed 600 s). Tests lower it to watch a
   * credential expire in seconds; nothing in a real cluster corresponds to this knob.
   */
  minTokenExpirationSeconds?: number;
  /** Delay before background controllers (garbage collector, namespace and token cleanup) act; default 50 ms. */
  controllerDelayMs?: number;
  /** Events kept for watches resuming from a resourceVersion (the etcd compaction window); default 10000. */
  watchHistorySize?: number;
}

/** The identity of in-process writes (controllers, test helpers): never subject to escalation checks. */
export const SYSTEM_USER: UserInfo = { username: 'system:kube-controller-manager', groups: ['system:masters', 'system:authenticated'] };

/** A hook run on create before validation, as mutating admission webhooks are. */
export type Admitter = (kind: KindInfo, obj: KubeObject, operation: 'CREATE' | 'UPDATE', user: UserInfo, old?: KubeObject) => Promise<KubeObject>;

export interface DeleteOptions { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } }

export const timestamp = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class KubeCluster {
  readonly store: ObjectStore;
  readonly kinds = new KindRegistry();
  readonly rbac: Rbac;
  readonly controllers: Controllers;
  readonly now: () => number;
  readonly admitters: Admitter[] = [];

  private constructor(readonly options: ClusterOptions, readonly signer: ServiceAccountSigner) {
    this.now = options.now ?? Date.now;
    this.store = new ObjectStore(options.watchHistorySize);
    this.rbac = new Rbac(this.store, this.kinds);
    this.controllers = new Controllers(this);
  }

  static async create(options: ClusterOptions): Promise<KubeCluster> {
    const signer = await ServiceAccountSigner.create(options.issuer, options.apiAudiences, options.now ?? Date.now);
    const cluster = new KubeCluster(options, signer);
    cluster.admitters.push(mutatingWebhooks(cluster));
    await cluster.controllers.bootstrap();
    return cluster;
  }

  kind(plural: string, group = ''): KindInfo {
    return builtin(this.kinds, group, plural);
  }

  get(kind: KindInfo, ns: string | undefined, name: string): KubeObject {
    return this.store.mustGet(kind, ns, name);
  }

  private checkNamespace(kind: KindInfo, ns: string | undefined, name: string): void {
    if (!kind.namespaced) return;
    if (!ns) throw badRequest('the server could not find the requested resource');
    const nsObj = this.store.get(this.kind('namespaces'), undefined, ns);
    if (!nsObj) throw notFound(this.kind('namespaces'), ns);
    if (nsObj.metadata.deletionTimestamp) {
      throw forbidden(kind, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  private checkTypeMeta(kind: KindInfo, body: KubeObject): void {
    if (body.apiVersion && body.apiVersion !== apiVersionOf(kind)) {
      throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(kind)})`);
    }
    if (body.kind && body.kind !== kind.kind) {
      throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${kind.kind})`);
    }
  }

  private checkEscalation(kind: KindInfo, obj: KubeObject, user: UserInfo): void {
    if (user === SYSTEM_USER || kind.group !== 'rbac.authorization.k8s.io') return;
    if (kind.plural === 'roles' || kind.plural === 'clusterroles') this.rbac.checkRoleWrite(user, kind.plural, obj);
    else this.rbac.checkBindingWrite(user, kind.plural as 'rolebindings' | 'clusterrolebindings', obj);
  }

  async create(kind: KindInfo, ns: string | undefined, body: KubeObject, user: UserInfo = SYSTEM_USER): Promise<KubeObject> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request was in an unknown format');
    this.checkTypeMeta(kind, body);
    let obj: KubeObject = structuredClone(body);
    obj.metadata = { ...(obj.metadata ?? {}) } as KubeObject['metadata'];
    if (kind.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = ns ?? obj.metadata.namespace;
    } else delete obj.metadata.namespace;
    this.checkNamespace(kind, obj.metadata.namespace, obj.metadata.name ?? '');
    for (const k of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']) delete obj.metadata[k];
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = timestamp(this.now());
    if (kind.plural === 'deployments') obj.metadata.generation = 1;
    applyDefaults(kind.kind, obj);
    if (kind.kind === 'Pod') this.admitPod(obj);
    for (const admit of this.admitters) obj = await admit(kind, obj, 'CREATE', user);
    // As in the apiserver, a generated name is chosen after admission (webhooks see name "").
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomSuffix();
    validate(kind, obj);
    this.checkEscalation(kind, obj, user);
    const created = this.store.create(kind, obj);
    await this.controllers.afterCreate(kind, created);
    return created;
  }

  private admitPod(pod: KubeObject): void {
    const saName = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default';
    const sa = this.store.get(this.kind('serviceaccounts'), pod.metadata.namespace, saName);
    if (!sa) {
      throw forbidden(this.kind('pods'), pod.metadata.name, `error looking up service account ${pod.metadata.namespace}/${saName}: serviceaccount "${saName}" not found`);
    }
    admitPodServiceAccount(pod, sa);
  }

  /** PUT: replaces the object (its status is kept unless `subresource` is 'status'). */
  async update(kind: KindInfo, ns: string | undefined, name: string, body: KubeObject, user: UserInfo = SYSTEM_USER, subresource = ''): Promise<KubeObject> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request was in an unknown format');
    this.checkTypeMeta(kind, body);
    const old = this.store.mustGet(kind, ns, name);
    const bodyName = body.metadata?.name;
    if (bodyName && bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    if (kind.namespaced && body.metadata?.namespace && body.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const expectedRV = body.metadata?.resourceVersion || undefined;
    let obj: KubeObject;
    if (subresource === 'status') {
      obj = { ...old, status: structuredClone(body.status) };
    } else {
      obj = structuredClone(body);
      obj.metadata = { ...(obj.metadata ?? {}) } as KubeObject['metadata'];
      if (kind.subresources?.some((s) => s.name === 'status')) obj.status = old.status;
    }
    const meta = obj.metadata as Record<string, unknown>;
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
      if (old.metadata[k] !== undefined) meta[k] = old.metadata[k]; else delete meta[k];
    }
    obj.metadata.name = name;
    if (kind.namespaced) obj.metadata.namespace = ns; else delete obj.metadata.namespace;
    if (kind.plural === 'deployments' && JSON.stringify(old.spec) !== JSON.stringify(obj.spec)) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
    if (kind.kind !== 'Pod') applyDefaults(kind.kind, obj); else if (subresource !== 'status') obj.spec = this.keepPodSpec(old, obj);
    if (kind.kind === 'Namespace' && subresource !== 'status') obj.status = old.status;
    for (const admit of this.admitters) obj = await admit(kind, obj, 'UPDATE', user, old);
    validate(kind, obj, old);
    this.checkEscalation(kind, obj, user);
    // A finalizer-held object goes away once its last finalizer is removed.
    if (obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.length) {
      const stored = this.store.update(kind, obj, expectedRV);
      await this.reallyDelete(kind, stored, {});
      return stored;
    }
    return this.store.update(kind, obj, expectedRV);
  }

  /** Pod specs are immutable apart from a few fields; we keep the old spec's defaulted shape. */
  private keepPodSpec(old: KubeObject, obj: KubeObject): unknown {
    const spec = { ...(obj.spec ?? {}) };
    const oldSpec = old.spec ?? {};
    for (const k of ['volumes', 'serviceAccountName', 'serviceAccount', 'nodeName']) if (oldSpec[k] !== undefined && spec[k] === undefined) spec[k] = oldSpec[k];
    return spec;
  }

  async patch(kind: KindInfo, ns: string | undefined, name: string, contentType: string, body: unknown, user: UserInfo = SYSTEM_USER, subresource = ''): Promise<KubeObject> {
    const current = this.store.mustGet(kind, ns, name);
    const patched = applyPatch(current as never, contentType, body) as unknown as KubeObject;
    if (!patched || typeof patched !== 'object' || !patched.metadata) throw badRequest('the patch removed the object metadata');
    // A resourceVersion in the patch is a precondition; otherwise the patch applies to the current object.
    const patchedRV = patched.metadata.resourceVersion;
    if (!patchedRV) patched.metadata.resourceVersion = current.metadata.resourceVersion;
    return this.update(kind, ns, name, patched, user, subresource);
  }

  async delete(kind: KindInfo, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    const current = this.store.mustGet(kind, ns, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(kind, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(kind, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    if (kind.kind === 'Namespace' && SYSTEM_NAMESPACES.slice(0, 3).includes(name)) {
      throw forbidden(kind, name, 'this namespace may not be deleted');
    }
    let result: KubeObject;
    if (current.metadata.finalizers?.length || kind.kind === 'Namespace') {
      if (!current.metadata.deletionTimestamp) {
        current.metadata.deletionTimestamp = timestamp(this.now());
        current.metadata.deletionGracePeriodSeconds = 0;
        if (kind.kind === 'Namespace') current.status = { ...current.status, phase: 'Terminating' };
        result = this.store.update(kind, current);
      } else result = current;
      if (kind.kind === 'Namespace') this.controllers.scheduleNamespaceCleanup(result.metadata.name);
    } else {
      result = await this.reallyDelete(kind, current, opts);
    }
    if (kind.deleteReturnsObject) return result;
    const details: Status['details'] = { name, kind: kind.plural, uid: current.metadata.uid };
    if (kind.group) details.group = kind.group;
    return success(details);
  }

  /** Removes the object and runs the garbage collector and the other controllers on it. */
  async reallyDelete(kind: KindInfo, obj: KubeObject, opts: DeleteOptions): Promise<KubeObject> {
    const gone = this.store.delete(kind, obj.metadata.namespace, obj.metadata.name);
    await this.controllers.afterDelete(kind, gone, opts.propagationPolicy === 'Orphan');
    return gone;
  }

  /** Checks a request body's kind for the review and TokenRequest endpoints. */
  expectKind(body: unknown, apiVersion: string, kindName: string): Record<string, any> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request was in an unknown format');
    const b = body as Record<string, any>;
    if (b.kind && b.kind !== kindName) throw badRequest(`the kind in the data (${b.kind}) does not match the expected kind (${kindName})`);
    if (b.apiVersion && b.apiVersion !== apiVersion) {
      throw failure(400, 'BadRequest', `the API version in the data (${b.apiVersion}) does not match the expected API version (${apiVersion})`);
    }
    return b;
  }
}
