/**
 * Bearer-token authentication: static tokens (the admin token, users added by tests; audience-agnostic,
 * as kube's token-file authenticator is) and then service-account JWTs. Shared by request
 * authentication and TokenReview so both give the same answer.
 */
import { createHash } from 'node:crypto';
import type { KubeCluster } from './cluster.js';
import type { AuthResult, TokenObjects, UserInfo } from './tokens.js';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

export class Authenticator {
  private readonly statics = new Map<string, UserInfo>();
  private readonly objects: TokenObjects;

  constructor(private readonly cluster: KubeCluster) {
    const get = (plural: string) => (ns: string, name: string) => cluster.store.get(cluster.kind(plural), ns, name);
    this.objects = { serviceAccount: get('serviceaccounts'), secret: get('secrets'), pod: get('pods') };
  }

  /** Registers a static bearer token; `system:authenticated` is added as the group adder does. */
  addStaticToken(token: string, user: UserInfo): void {
    const groups = user.groups.includes('system:authenticated') ? user.groups : [...user.groups, 'system:authenticated'];
    this.statics.set(digest(token), { ...user, groups });
  }

  removeStaticToken(token: string): void {
    this.statics.delete(digest(token));
  }

  async authenticate(token: string, requested: string[] = []): Promise<AuthResult> {
    const user = this.statics.get(digest(token));
    const apiAuds = this.cluster.options.apiAudiences;
    if (user) {
      if (!requested.length) return { ok: true, user, audiences: apiAuds };
      const audiences = requested.filter((a) => apiAuds.includes(a));
      if (audiences.length) return { ok: true, user, audiences };
      return { ok: false };
    }
    return this.cluster.signer.authenticate(token, this.objects, requested);
  }

  /** The error text TokenReview and the 401 log carry, as the apiserver's bearer-token authenticator words it. */
  static errorText(result: AuthResult): string {
    if (result.ok) return '';
    return result.error ? `[invalid bearer token, ${result.error}]` : 'invalid bearer token';
  }
}
