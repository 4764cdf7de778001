/**
 * startKubeTestServer: a local Kubernetes API server for tests and demos (in-memory state, own CA,
 * service-account token signing, RBAC). Test code drives it through @kubernetes/client-node or
 * kubectl like a real cluster, and uses the helpers below to set up scenarios quickly.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Authenticator } from './authn.js';
import { createClusterPki } from './ca.js';
import { KubeCluster, type Admitter } from './cluster.js';
import { HttpFront } from './server.js';
import { RBAC_GROUP } from './resources.js';
import { tokenRequest } from './reviews.js';
import type { KubeObject } from './store.js';
import type { PolicyRule, Subject } from './rbac.js';
import type { UserInfo } from './tokens.js';

export type { KubeObject } from './store.js';
export type { PolicyRule, Subject } from './rbac.js';
export type { UserInfo } from './tokens.js';
export { KubeCluster } from './cluster.js';

export interface KubeTestServerOptions {
  host?: string;
  port?: number;
  /** If set, ca.crt and admin.kubeconfig are written there. */
  dir?: string;
  /** Service-account token issuer; defaults to the server's URL, so OIDC discovery works against it. */
  issuer?: string;
  /** --api-audiences; defaults to [issuer]. */
  apiAudiences?: string[];
  adminToken?: string;
  legacyTokenSecrets?: boolean;
  maxTokenExpirationSeconds?: number;
  /** Test-only: allow TokenRequests shorter than a cluster's 600 s minimum. */
  minTokenExpirationSeconds?: number;
  controllerDelayMs?: number;
  watchHistorySize?: number;
  now?: () => number;
}

export interface TokenOptions { audiences?: string[]; expirationSeconds?: number; pod?: string }

export interface KubeTestServer {
  url: string;
  host: string;
  port: number;
  caPem: string;
  adminToken: string;
  issuer: string;
  apiAudiences: string[];
  cluster: KubeCluster;
  /** Bearer-token failures seen by the server, newest last (error texts only). */
  authFailures: string[];
  kubeconfig(opts?: { token?: string; user?: string; namespace?: string }): string;
  addUser(token: string, username: string, groups?: string[]): void;
  addAdmitter(admit: Admitter): void;
  createNamespace(name: string, labels?: Record<string, string>): Promise<KubeObject>;
  createServiceAccount(namespace: string, name: string, extra?: Partial<KubeObject>): Promise<KubeObject>;
  deleteServiceAccount(namespace: string, name: string): Promise<void>;
  createPod(namespace: string, name: string, serviceAccountName?: string): Promise<KubeObject>;
  /** A bound token through TokenRequest (as `kubectl create token`). */
  createToken(namespace: string, serviceAccount: string, opts?: TokenOptions): Promise<string>;
  /** A legacy secret-based token (creates a kubernetes.io/service-account-token Secret). */
  createLegacyToken(namespace: string, serviceAccount: string, secretName?: string): Promise<string>;
  /** Signs arbitrary claims with the cluster's service-account key (expired or odd tokens for tests). */
  signToken(claims: Record<string, unknown>): Promise<string>;
  bindClusterRole(subject: Subject, clusterRole: string, bindingName?: string): Promise<KubeObject>;
  grantRules(namespace: string, subject: Subject, rules: PolicyRule[], name?: string): Promise<void>;
  /** Creates any object from its apiVersion/kind (cluster-admin semantics). */
  apply(obj: KubeObject): Promise<KubeObject>;
  /** Waits for background controller work (namespace deletion) to finish. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const serviceAccountSubject = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

export async function startKubeTestServer(opts: KubeTestServerOptions = {}): Promise<KubeTestServer> {
  const host = opts.host ?? '127.0.0.1';
  const pki = await createClusterPki([host]);
  const server = createServer({ cert: pki.certPem, key: pki.keyPem });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  const hostPart = isIPv6(host) ? `[${host}]` : host;
  const url = `https://${hostPart}:${port}`;
  const issuer = opts.issuer ?? url;
  const apiAudiences = opts.apiAudiences ?? [issuer];
  let cluster: KubeCluster;
  try {
    cluster = await KubeCluster.create({
      issuer, apiAudiences, caPem: pki.caPem, now: opts.now, legacyTokenSecrets: opts.legacyTokenSecrets,
      maxTokenExpirationSeconds: opts.maxTokenExpirationSeconds, minTokenExpirationSeconds: opts.minTokenExpirationSeconds, controllerDelayMs: opts.controllerDelayMs,
      watchHistorySize: opts.watchHistorySize,
    });
  } catch (e) {
    server.close();
    throw e;
  }
  const authn = new Authenticator(cluster);
  const adminToken = opts.adminToken ?? randomBytes(32).toString('base64url');
  authn.addStaticToken(adminToken, { username: 'kubernetes-admin', groups: ['system:masters'] });
  const authFailures: string[] = [];
  const front = new HttpFront({ cluster, authn, server, onAuthFailure: (e) => { authFailures.push(e); if (authFailures.length > 100) authFailures.shift(); } });
  front.serverAddress = `${hostPart}:${port}`;
  front.jwksUri = `${url}/openid/v1/jwks`;

  const k = (plural: string, group = '') => cluster.kind(plural, group);
  const kubeconfig = (o: { token?: string; user?: string; namespace?: string } = {}) => stringify({
    apiVersion: 'v1', kind: 'Config', preferences: {},
    clusters: [{ name: 'coffer-test', cluster: { server: url, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') } }],
    users: [{ name: o.user ?? 'kubernetes-admin', user: { token: o.token ?? adminToken } }],
    contexts: [{ name: `${o.user ?? 'kubernetes-admin'}@coffer-test`, context: { cluster: 'coffer-test', user: o.user ?? 'kubernetes-admin', namespace: o.namespace ?? 'default' } }],
    'current-context': `${o.user ?? 'kubernetes-admin'}@coffer-test`,
  });

  if (opts.dir) {
    mkdirSync(opts.dir, { recursive: true });
    writeFileSync(join(opts.dir, 'ca.crt'), pki.caPem);
    writeFileSync(join(opts.dir, 'admin.kubeconfig'), kubeconfig(), { mode: 0o600 });
  }

  const api: KubeTestServer = {
    url, host, port, caPem: pki.caPem, adminToken, issuer, apiAudiences, cluster, authFailures, kubeconfig,
    addUser: (token, username, groups = []) => authn.addStaticToken(token, { username, groups } satisfies UserInfo),
    addAdmitter: (admit) => { cluster.admitters.push(admit); },
    createNamespace: (name, labels) => cluster.create(k('namespaces'), undefined, { metadata: { name, ...(labels ? { labels } : {}) } }),
    createServiceAccount: (namespace, name, extra = {}) => cluster.create(k('serviceaccounts'), namespace, { ...extra, metadata: { ...(extra.metadata ?? {}), name } }),
    async deleteServiceAccount(namespace, name) { await cluster.delete(k('serviceaccounts'), namespace, name); },
    createPod: (namespace, name, serviceAccountName = 'default') => cluster.create(k('pods'), namespace, {
      metadata: { name }, spec: { serviceAccountName, containers: [{ name: 'app', image: 'busybox:1.36' }] },
    }),
    async createToken(namespace, serviceAccount, o = {}) {
      const pod = o.pod ? cluster.get(k('pods'), namespace, o.pod) : undefined;
      const spec: Record<string, unknown> = { expirationSeconds: o.expirationSeconds ?? 3600 };
      if (o.audiences) spec.audiences = o.audiences;
      if (pod) spec.boundObjectRef = { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid };
      const tr = await tokenRequest(cluster, namespace, serviceAccount, { spec });
      return (tr.status as { token: string }).token;
    },
    async createLegacyToken(namespace, serviceAccount, secretName) {
      const s = await cluster.create(k('secrets'), namespace, {
        metadata: { name: secretName ?? `${serviceAccount}-token-${randomBytes(3).toString('hex').slice(0, 5)}`, annotations: { 'kubernetes.io/service-account.name': serviceAccount } },
        type: 'kubernetes.io/service-account-token',
      });
      const populated = cluster.store.get(k('secrets'), namespace, s.metadata.name);
      if (!populated?.data?.token) throw new Error(`service account ${namespace}/${serviceAccount} does not exist`);
      return Buffer.from(populated.data.token, 'base64').toString('utf8');
    },
    signToken: (claims) => cluster.signer.sign(claims),
    bindClusterRole: (subject, clusterRole, bindingName) => cluster.create(k('clusterrolebindings', RBAC_GROUP), undefined, {
      metadata: { name: bindingName ?? `${clusterRole.replace(/:/g, '-')}-${subject.name}-${randomBytes(3).toString('hex')}` },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: clusterRole }, subjects: [subject],
    }),
    async grantRules(namespace, subject, rules, name) {
      const roleName = name ?? `grant-${subject.name}-${randomBytes(3).toString('hex')}`;
      await cluster.create(k('roles', RBAC_GROUP), namespace, { metadata: { name: roleName }, rules });
      await cluster.create(k('rolebindings', RBAC_GROUP), namespace, {
        metadata: { name: roleName }, roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName }, subjects: [subject],
      });
    },
    async apply(obj) {
      const kind = cluster.kinds.kind(obj.apiVersion ?? '', obj.kind ?? '');
      if (!kind) throw new Error(`no kind ${obj.kind} in ${obj.apiVersion}`);
      return cluster.create(kind, obj.metadata.namespace, obj);
    },
    settle: () => cluster.controllers.idle(),
    close: () => front.close(),
  };
  return api;
}
