/**
 * The Kubernetes client Coffer's product code uses (auth/kubernetes, engines/kubernetes, the
 * injector and operator): @kubernetes/client-node's typed APIs over one keep-alive HTTPS agent per
 * API server + CA, with the bearer token chosen per call. Errors become KubeApiError carrying the
 * HTTP code and the API server's Status message.
 */
import { Agent } from 'node:https';
import {
  ApiException, AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api,
  type RequestContext, type V1ClusterRole, type V1ClusterRoleBinding, type V1Namespace, type V1Role, type V1RoleBinding,
  type V1ServiceAccount, type AuthenticationV1TokenRequest, type V1TokenReview,
} from '@kubernetes/client-node';

export interface KubeTarget {
  /** kubernetes_host: a URL, or host[:port] (https is assumed). */
  host: string;
  /** PEM CA bundle; empty means the system trust store. */
  caCert?: string;
  timeoutMs?: number;
}

export class KubeApiError extends Error {
  constructor(readonly code: number, message: string, readonly reason = '') {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** Normalizes kubernetes_host into a base URL without a trailing slash. */
export function kubeBaseUrl(host: string): string {
  const h = host.trim().replace(/\/+$/, '');
  return /^https?:\/\//i.test(h) ? h : `https://${h}`;
}

/** A KubeConfig whose requests carry a fixed bearer token and share a pooled agent. */
class BearerConfig extends KubeConfig {
  constructor(server: string, private readonly agent: Agent, private readonly bearer: string) {
    super();
    this.loadFromOptions({
      clusters: [{ name: 'k8s', server, skipTLSVerify: false }],
      users: [{ name: 'coffer' }],
      contexts: [{ name: 'k8s', cluster: 'k8s', user: 'coffer' }],
      currentContext: 'k8s',
    });
  }

  /** API objects are built once per bearer: making them per call costs more than the request. */
  private readonly apis = new Map<unknown, unknown>();
  api<T>(ctor: new (...args: any[]) => T): T {
    let a = this.apis.get(ctor) as T | undefined;
    if (!a) this.apis.set(ctor, (a = this.makeApiClient(ctor as never) as T));
    return a;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    if (this.bearer) context.setHeaderParam('Authorization', `Bearer ${this.bearer}`);
    context.setAgent(this.agent);
  }
}

function toKubeError(e: unknown): Error {
  if (e instanceof ApiException) {
    let message = `Kubernetes API request failed with HTTP ${e.code}`;
    let reason = '';
    try {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      if (body?.message) message = String(body.message);
      if (body?.reason) reason = String(body.reason);
    } catch { /* the body was not a Status */ }
    return new KubeApiError(e.code, message, reason);
  }
  if (e instanceof Error) return new KubeApiError(0, e.message);
  return new KubeApiError(0, String(e));
}

async function call<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw toKubeError(e);
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeApiError && e.code === 404;

/** One API server endpoint. Keep it for the life of the configuration (it owns the socket pool). */
export class KubeClient {
  readonly baseUrl: string;
  private readonly agent: Agent;
  private readonly configs = new Map<string, BearerConfig>();

  constructor(readonly target: KubeTarget) {
    this.baseUrl = kubeBaseUrl(target.host);
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, minVersion: 'TLSv1.2', ca: target.caCert || undefined, timeout: target.timeoutMs ?? 30_000 });
  }

  private config(bearer: string): BearerConfig {
    let c = this.configs.get(bearer);
    if (!c) {
      // Client JWTs change per login: only long-lived bearers are worth caching.
      if (this.configs.size > 16) this.configs.clear();
      c = new BearerConfig(this.baseUrl, this.agent, bearer);
      this.configs.set(bearer, c);
    }
    return c;
  }

  core(bearer: string): CoreV1Api { return this.config(bearer).api(CoreV1Api); }
  rbac(bearer: string): RbacAuthorizationV1Api { return this.config(bearer).api(RbacAuthorizationV1Api); }

  /** POST /apis/authentication.k8s.io/v1/tokenreviews. */
  tokenReview(bearer: string, token: string, audiences: string[]): Promise<V1TokenReview> {
    const api = this.config(bearer).api(AuthenticationV1Api);
    const spec: { token: string; audiences?: string[] } = { token };
    if (audiences.length) spec.audiences = audiences;
    return call(api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec } }));
  }

  readNamespace(bearer: string, name: string): Promise<V1Namespace> {
    return call(this.core(bearer).readNamespace({ name }));
  }

  readServiceAccount(bearer: string, namespace: string, name: string): Promise<V1ServiceAccount> {
    return call(this.core(bearer).readNamespacedServiceAccount({ name, namespace }));
  }

  createServiceAccount(bearer: string, namespace: string, body: V1ServiceAccount): Promise<V1ServiceAccount> {
    return call(this.core(bearer).createNamespacedServiceAccount({ namespace, body }));
  }

  /** POST …/serviceaccounts/{name}/token (TokenRequest). */
  requestToken(bearer: string, namespace: string, name: string, spec: { audiences?: string[]; expirationSeconds?: number }): Promise<AuthenticationV1TokenRequest> {
    const body: AuthenticationV1TokenRequest = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: spec.audiences ?? [], expirationSeconds: spec.expirationSeconds } };
    return call(this.core(bearer).createNamespacedServiceAccountToken({ name, namespace, body }));
  }

  createRole(bearer: string, namespace: string, body: V1Role): Promise<V1Role> {
    return call(this.rbac(bearer).createNamespacedRole({ namespace, body }));
  }

  createClusterRole(bearer: string, body: V1ClusterRole): Promise<V1ClusterRole> {
    return call(this.rbac(bearer).createClusterRole({ body }));
  }

  createRoleBinding(bearer: string, namespace: string, body: V1RoleBinding): Promise<V1RoleBinding> {
    return call(this.rbac(bearer).createNamespacedRoleBinding({ namespace, body }));
  }

  createClusterRoleBinding(bearer: string, body: V1ClusterRoleBinding): Promise<V1ClusterRoleBinding> {
    return call(this.rbac(bearer).createClusterRoleBinding({ body }));
  }

  /** Deletes one object; `false` when it was already gone. */
  async delete(bearer: string, kind: 'ServiceAccount' | 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding', name: string, namespace = ''): Promise<boolean> {
    try {
      switch (kind) {
        case 'ServiceAccount': await call(this.core(bearer).deleteNamespacedServiceAccount({ name, namespace })); break;
        case 'Role': await call(this.rbac(bearer).deleteNamespacedRole({ name, namespace })); break;
        case 'ClusterRole': await call(this.rbac(bearer).deleteClusterRole({ name })); break;
        case 'RoleBinding': await call(this.rbac(bearer).deleteNamespacedRoleBinding({ name, namespace })); break;
        case 'ClusterRoleBinding': await call(this.rbac(bearer).deleteClusterRoleBinding({ name })); break;
      }
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  close(): void {
    this.agent.destroy();
    this.configs.clear();
  }
}

/** Keeps one KubeClient per (host, CA) so a configuration change rebuilds the pool, and only then. */
export class KubeClientCache {
  private current?: { key: string; client: KubeClient };

  get(target: KubeTarget): KubeClient {
    const key = `${kubeBaseUrl(target.host)}\n${target.caCert ?? ''}`;
    if (this.current?.key !== key) {
      this.current?.client.close();
      this.current = { key, client: new KubeClient(target) };
    }
    return this.current.client;
  }

  close(): void {
    this.current?.client.close();
    this.current = undefined;
  }
}
