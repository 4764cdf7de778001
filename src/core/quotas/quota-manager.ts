/**
 * Resource quotas (Vault's rate-limit and lease-count quotas), persisted through the barrier
 * under `sys/quotas/`. A request is checked once its mount is known, against the most
 * specific quota of each kind: a path below the mount, then a login role on the mount, then
 * the mount, then the global quota. Rate limits count per client address; lease-count quotas
 * follow the lease manager's appearances and revocations.
 */
import type { LogicalView } from '../../framework/logical.js';
import type { Request } from '../../framework/types.js';
import { CofferError } from '../../lib/errors.js';
import type { Core } from '../core.js';
import { metricsFor } from '../metrics/registry.js';
import type { RouteEntry } from '../mounts/router.js';
import type { QuotaService } from '../services.js';
import { RateLimiter } from './rate-limiter.js';

export interface QuotaBase {
  name: string;
  /** The mount the quota applies to ('' = every mount), e.g. "secret/" or "auth/approle/". */
  mount_path: string;
  /** A path below the mount, matched as a prefix ('' = the whole mount). */
  path_suffix: string;
  role: string;
  inheritable: boolean;
}

export interface RateLimitQuota extends QuotaBase {
  type: 'rate-limit';
  rate: number;
  /** Seconds. */
  interval: number;
  block_interval: number;
}

export interface LeaseCountQuota extends QuotaBase {
  type: 'lease-count';
  max_leases: number;
}

export type Quota = RateLimitQuota | LeaseCountQuota;

export interface QuotaConfig {
  enable_rate_limit_audit_logging: boolean;
  enable_rate_limit_response_headers: boolean;
  rate_limit_exempt_paths: string[];
}

/** Vault's default exemptions: the lifecycle endpoints an operator needs to recover. */
export const DEFAULT_EXEMPT_PATHS = [
  'sys/generate-recovery-token/attempt', 'sys/generate-recovery-token/update', 'sys/generate-root/attempt',
  'sys/generate-root/update', 'sys/health', 'sys/seal-status', 'sys/unseal',
];

/** A 429 carrying its Retry-After (and rate limit headers when enabled). */
export class QuotaError extends CofferError {
  constructor(message: string, readonly headers: Record<string, string>) {
    super(429, message);
  }
}

/** The best quota for a request among those of one kind (most specific first). */
export function bestQuota<Q extends QuotaBase>(quotas: Iterable<Q>, mount: string, relPath: string, role: string): Q | undefined {
  let bySuffix: Q | undefined;
  let byRole: Q | undefined;
  let byMount: Q | undefined;
  let global: Q | undefined;
  for (const q of quotas) {
    if (q.mount_path === '') {
      if (!q.role && !q.path_suffix) global = q;
      continue;
    }
    if (q.mount_path !== mount) continue;
    if (q.path_suffix) {
      if (relPath.startsWith(q.path_suffix) && (!bySuffix || q.path_suffix.length > bySuffix.path_suffix.length)) bySuffix = q;
    } else if (q.role) {
      if (role && q.role === role) byRole = q;
    } else {
      byMount = q;
    }
  }
  return bySuffix ?? byRole ?? byMount ?? global;
}

export function quotaPath(q: QuotaBase): string {
  return q.mount_path + q.path_suffix;
}

export class QuotaManager implements QuotaService {
  private readonly rate = new Map<string, { q: RateLimitQuota; limiter: RateLimiter }>();
  private readonly lease = new Map<string, { q: LeaseCountQuota; count: number }>();
  config: QuotaConfig = { enable_rate_limit_audit_logging: false, enable_rate_limit_response_headers: false, rate_limit_exempt_paths: [...DEFAULT_EXEMPT_PATHS] };
  private leaseIds: (() => Iterable<string>) | undefined;

  constructor(private readonly core: Core, private readonly view: LogicalView) {
    const m = metricsFor(core);
    m.gaugeFn('vault.quota.lease_count.counter', () => [...this.lease.values()].map((l) => ({ name: 'vault.quota.lease_count.counter', labels: { name: l.q.name }, value: l.count })));
    m.gaugeFn('vault.quota.lease_count.max', () => [...this.lease.values()].map((l) => ({ name: 'vault.quota.lease_count.max', labels: { name: l.q.name }, value: l.q.max_leases })));
  }

  async load(): Promise<void> {
    const cfg = await this.view.getJSON<QuotaConfig>('config');
    if (cfg) this.config = cfg;
    for (const type of ['rate-limit', 'lease-count'] as const) {
      for (const name of await this.view.list(`${type}/`)) {
        const q = await this.view.getJSON<Quota>(`${type}/${name}`);
        if (q) this.install(q);
      }
    }
  }

  /** Lease-count quotas count what the lease manager holds; it reports every change. */
  attachLeases(ids: () => Iterable<string>, subscribe: (l: (id: string, delta: 1 | -1) => void) => void): void {
    this.leaseIds = ids;
    subscribe((id, delta) => {
      for (const l of this.lease.values()) if (id.startsWith(quotaPath(l.q))) l.count += delta;
    });
    for (const l of this.lease.values()) l.count = this.countLeases(l.q);
  }

  private countLeases(q: LeaseCountQuota): number {
    let n = 0;
    const prefix = quotaPath(q);
    for (const id of this.leaseIds?.() ?? []) if (id.startsWith(prefix)) n++;
    return n;
  }

  private install(q: Quota): void {
    if (q.type === 'rate-limit') this.rate.set(q.name, { q, limiter: new RateLimiter(q.rate, q.interval * 1000, q.block_interval * 1000) });
    else this.lease.set(q.name, { q, count: this.countLeases(q) });
  }

  get(type: Quota['type'], name: string): Quota | undefined {
    return type === 'rate-limit' ? this.rate.get(name)?.q : this.lease.get(name)?.q;
  }

  leaseCount(name: string): number {
    return this.lease.get(name)?.count ?? 0;
  }

  names(type: Quota['type']): string[] {
    return [...(type === 'rate-limit' ? this.rate.keys() : this.lease.keys())].sort();
  }

  /** Another quota of this type already covering the same mount, path and role. */
  similar(q: Quota): Quota | undefined {
    const all = q.type === 'rate-limit' ? [...this.rate.values()].map((x) => x.q) : [...this.lease.values()].map((x) => x.q);
    return all.find((o) => o.name !== q.name && o.mount_path === q.mount_path && o.path_suffix === q.path_suffix && o.role === q.role);
  }

  async put(q: Quota): Promise<void> {
    await this.view.putJSON(`${q.type}/${q.name}`, q);
    this.install(q);
  }

  async remove(type: Quota['type'], name: string): Promise<void> {
    await this.view.delete(`${type}/${name}`);
    if (type === 'rate-limit') this.rate.delete(name);
    else this.lease.delete(name);
  }

  async saveConfig(cfg: QuotaConfig): Promise<void> {
    await this.view.putJSON('config', cfg);
    this.config = cfg;
  }

  async check(req: Request, route: RouteEntry): Promise<Record<string, string> | undefined> {
    if (this.rate.size === 0 && this.lease.size === 0) return undefined;
    const role = typeof req.data.role === 'string' ? req.data.role : typeof req.data.role_name === 'string' ? req.data.role_name : '';
    let headers: Record<string, string> | undefined;
    const exempt = this.config.rate_limit_exempt_paths.some((p) => req.fullPath === p || (p.endsWith('/') && req.fullPath.startsWith(p)));
    const rl = exempt ? undefined : bestQuota([...this.rate.values()].map((x) => x.q), route.path, req.path, role);
    if (rl) {
      const r = this.rate.get(rl.name)!.limiter.take(req.remoteAddr.replace(/^::ffff:/, ''));
      const rateHeaders = { 'x-ratelimit-limit': String(r.limit), 'x-ratelimit-remaining': String(r.remaining), 'x-ratelimit-reset': String(r.resetSec) };
      headers = this.config.enable_rate_limit_response_headers ? rateHeaders : undefined;
      if (!r.allowed) {
        metricsFor(this.core).incr('vault.quota.rate_limit.violation', 1, { name: rl.name });
        const err = new QuotaError(`request path "${req.fullPath}": rate limit quota exceeded`, { ...headers, 'retry-after': String(r.resetSec) });
        if (this.config.enable_rate_limit_audit_logging) await this.core.services.audit?.logRequest(req, undefined, err).catch(() => undefined);
        throw err;
      }
    }
    // Revocations and listings stay possible at the limit: they are how clients get back under it.
    if (this.lease.size && req.operation !== 'delete' && req.operation !== 'list') {
      const lq = bestQuota([...this.lease.values()].map((x) => x.q), route.path, req.path, role);
      const state = lq ? this.lease.get(lq.name) : undefined;
      if (lq && state && state.count >= lq.max_leases && !req.fullPath.startsWith('sys/')) {
        metricsFor(this.core).incr('vault.quota.lease_count.violation', 1, { name: lq.name });
        throw new QuotaError(`request path "${req.fullPath}": lease count quota exceeded`, {});
      }
    }
    return headers;
  }
}
