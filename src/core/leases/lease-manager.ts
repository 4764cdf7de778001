/**
 * The lease manager (Vault's ExpirationManager): every secret or token handed out gets a
 * lease; a single timer over a min-heap of expiries hands due leases to the revocation
 * queue; failures are retried with exponential backoff and, once retries run out, the lease
 * is kept as irrevocable until an operator forces it. Only (id, expiry) pairs stay in
 * memory; bodies are read from the barrier when a lease is touched.
 */
import { LogicalView } from '../../framework/logical.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import { randomBase62 } from '../../lib/ids.js';
import type { Core } from '../core.js';
import { metricsFor } from '../metrics/registry.js';
import type { RouteEntry } from '../mounts/router.js';
import type { LeaseService } from '../services.js';
import type { TokenEntry } from '../tokens/token-entry.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { assertRenewable, lookupJSON, truncateError, validLeaseId, type LeaseEntry } from './lease-entry.js';
import { leaseTarget, withTimeout } from './lease-request.js';
import { LeaseSchedule, type LeaseListener } from './lease-schedule.js';
import { LeaseStore } from './lease-store.js';
import { RevokeQueue } from './revoke-queue.js';
import { calculateTTL } from './ttl.js';

export interface LeaseManagerOptions {
  workers: number;
  perMountWorkers: number;
  /** First retry delay; doubles per attempt with ±50% jitter (Vault: 10 s). */
  retryBaseMs: number;
  maxRevokeAttempts: number;
  revokeTimeoutMs: number;
  /** The timer never sleeps longer than this, so wall-clock jumps are noticed promptly. */
  maxSleepMs: number;
}

/** Process-wide defaults; tests lower retryBaseMs before starting a server. */
export const leaseDefaults: LeaseManagerOptions = {
  workers: 16, perMountWorkers: 8, retryBaseMs: 10_000, maxRevokeAttempts: 6, revokeTimeoutMs: 90_000, maxSleepMs: 1_000,
};

const trimSlashes = (p: string) => p.replace(/^\/+|\/+$/g, '');

export class LeaseManager implements LeaseService {
  readonly store: LeaseStore;
  private readonly opts: LeaseManagerOptions;
  private readonly schedule: LeaseSchedule;
  private readonly locks = new KeyedMutex();
  private readonly queue: RevokeQueue;
  private stopped = false;
  restoredIn = 0;

  constructor(private readonly core: Core, opts: Partial<LeaseManagerOptions> = {}) {
    this.opts = { ...leaseDefaults, ...opts };
    this.store = new LeaseStore(new LogicalView(core.barrier, 'sys/expire/'));
    this.queue = new RevokeQueue({
      workers: this.opts.workers,
      perGroup: this.opts.perMountWorkers,
      groupOf: (id) => core.mounts.router.match(id)?.path ?? '',
      run: (id) => this.expire(id),
    });
    this.schedule = new LeaseSchedule(core.clock, this.opts.maxSleepMs, (id) => this.queue.enqueue(id));
  }

  private now(): number {
    return this.core.clock.now();
  }

  get count(): number {
    return this.schedule.count;
  }

  get irrevocableCount(): number {
    return this.schedule.irrevocableCount;
  }

  /** Lease ids currently known (quotas count from these when a quota is created). */
  ids(): IterableIterator<string> {
    return this.schedule.ids();
  }

  subscribe(l: LeaseListener): void {
    this.schedule.subscribe(l);
  }

  private track(id: string, at: number): void {
    this.schedule.track(id, at);
  }

  private untrack(id: string): void {
    this.schedule.untrack(id);
  }

  /** Hands due leases to the revocation queue now (tests move the clock, then tick). */
  tick(): void {
    this.schedule.tick();
  }

  // ---- registration -------------------------------------------------------------------

  async registerSecret(req: Request, resp: Response, _route: RouteEntry): Promise<void> {
    const secret = resp.secret!;
    const now = this.now();
    const id = `${trimSlashes(req.fullPath)}/${randomBase62(24)}`;
    const token = req.clientToken ? await this.core.tokens.lookup(req.clientToken) : undefined;
    let expire = now + secret.ttl * 1000;
    let tokenHash = '';
    if (token?.type === 'batch') {
      // A batch token has no lease of its own: its leases hang off its parent and die with it.
      tokenHash = token.parent;
      if (token.expire_time && expire > token.expire_time * 1000) expire = token.expire_time * 1000;
    } else if (token) {
      tokenHash = this.core.tokens.hash(token.id);
    }
    const le: LeaseEntry = {
      lease_id: id, path: trimSlashes(req.fullPath), kind: 'secret', secret_type: secret.type, internal: secret.internal,
      token_hash: tokenHash, token_type: token?.type ?? 'service', issue_time: now, expire_time: expire, last_renewal: 0,
      ttl: secret.ttl, max_ttl: secret.maxTTL ?? 0, renewable: secret.renewable,
    };
    try {
      await this.locks.run(id, async () => {
        await this.store.create(le);
        this.track(id, expire);
      });
    } catch (e) {
      // Untracked secrets must not outlive the request that failed to record them (Vault does the same).
      await this.callRevoke(le).catch(() => undefined);
      throw e;
    }
    resp.leaseId = id;
    resp.leaseDuration = Math.round((expire - now) / 1000);
  }

  static authLeaseId(token: TokenEntry, hash: string): string {
    return `${trimSlashes(token.path)}/${hash}`;
  }

  async registerAuth(_req: Request, resp: Response, token: TokenEntry, _route: RouteEntry): Promise<void> {
    if (token.type === 'batch') return;
    const root = token.policies.length === 1 && token.policies[0] === 'root';
    if (!token.expire_time && !root) {
      this.core.logger.warn({ accessor: token.accessor }, 'refusing to register a lease for a non-root token with no TTL');
      return;
    }
    const hash = this.core.tokens.hash(token.id);
    const id = LeaseManager.authLeaseId(token, hash);
    const le: LeaseEntry = {
      lease_id: id, path: trimSlashes(token.path), kind: 'auth', token_hash: hash, token_type: 'service',
      issue_time: token.creation_time * 1000, expire_time: token.expire_time * 1000, last_renewal: 0,
      ttl: token.ttl, max_ttl: resp.auth?.leaseOptions?.maxTTL ?? 0, renewable: token.renewable,
      period: token.period, explicit_max_ttl: token.explicit_max_ttl,
    };
    await this.locks.run(id, async () => {
      await this.store.create(le);
      this.track(id, le.expire_time);
    });
  }

  /**
   * A token renewed through auth/token/renew*: its lease follows the token's new expiry.
   * (The timer also re-reads the token before revoking, so a missed call only delays.)
   */
  async syncTokenLease(token: TokenEntry): Promise<void> {
    const hash = this.core.tokens.hash(token.id);
    const id = LeaseManager.authLeaseId(token, hash);
    await this.locks.run(id, async () => {
      const le = await this.store.load(id);
      if (!le || le.kind !== 'auth' || le.revoke_requested) return;
      const expire = token.expire_time * 1000;
      if (le.expire_time === expire) return;
      const prev = le.expire_time;
      Object.assign(le, { expire_time: expire, ttl: token.ttl, last_renewal: this.now(), renewable: token.renewable });
      await this.store.update(le, prev);
      this.track(id, expire);
    });
  }

  /** Token revoked (token store listener): its secrets expire now; its own lease goes. */
  async revokeByToken(token: TokenEntry): Promise<void> {
    const hash = this.core.tokens.hash(token.id);
    for (const id of await this.store.idsByToken(hash)) await this.lazyRevoke(id);
    if (token.path && token.type !== 'batch') await this.forget(LeaseManager.authLeaseId(token, hash));
  }

  /** Resolves when no revocation is queued or running (tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  // ---- restore and stop ---------------------------------------------------------------

  /** After unseal: ids and expiries from the index only; expired leases go out at once. */
  async restore(): Promise<void> {
    const started = Date.now();
    this.schedule.load(await this.store.scanIndex());
    this.restoredIn = Date.now() - started;
    this.core.logger.info({ leases: this.schedule.count, ms: this.restoredIn }, 'lease restore complete');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.schedule.stop();
    this.queue.stop();
    const grace = new Promise<void>((r) => setTimeout(r, 5_000).unref());
    await Promise.race([this.queue.idle(), grace]);
  }

  // ---- revocation ---------------------------------------------------------------------

  /** Calls the owner: the token store for auth leases, the Backend's secret type otherwise. */
  private async callRevoke(le: LeaseEntry): Promise<void> {
    if (le.kind === 'auth') {
      if (le.token_type === 'batch') throw badRequest('batch tokens cannot be revoked');
      const token = await this.core.tokens.lookupByHash(le.token_hash);
      if (token) await this.core.tokens.revokeTree(token);
      return;
    }
    const { secretType, req } = leaseTarget(this.core.mounts.router, le);
    await withTimeout(secretType.revoke(req), this.opts.revokeTimeoutMs, 'revocation');
  }

  /** A queued lease's turn: revoke it unless it was renewed meanwhile; on failure, back off. */
  private async expire(id: string): Promise<void> {
    if (this.stopped) return;
    await this.locks.run(id, async () => {
      const le = await this.store.load(id);
      if (!le) return this.untrack(id);
      const now = this.now();
      if (le.kind === 'auth' && !le.revoke_error && !le.revoke_requested) {
        // A token renewed behind the lease's back (a missed sync) carries its own new expiry.
        const token = await this.core.tokens.lookupByHash(le.token_hash);
        if (token && token.expire_time * 1000 > le.expire_time) {
          const prev = le.expire_time;
          Object.assign(le, { expire_time: token.expire_time * 1000, ttl: token.ttl, last_renewal: now });
          await this.store.update(le, prev);
        }
      }
      if (le.expire_time === 0 || le.expire_time > now) return this.track(id, le.expire_time);
      const metrics = metricsFor(this.core);
      metrics.incr('vault.expire.lease_expiration');
      try {
        await this.callRevoke(le);
      } catch (e) {
        metrics.incr('vault.expire.lease_expiration.error');
        if (!this.stopped) await this.recordFailure(le, e as Error);
        return;
      }
      await this.store.remove(le);
      this.untrack(id);
      if (le.revoke_attempts) this.core.logger.info({ lease_id: id, attempts: le.revoke_attempts + 1 }, 'revoked lease after retries');
    });
  }

  private async recordFailure(le: LeaseEntry, err: Error): Promise<void> {
    const attempts = (le.revoke_attempts ?? 0) + 1;
    const msg = truncateError(err.message || String(err));
    le.revoke_attempts = attempts;
    le.last_revoke_error = msg;
    // Vault gives up on errors that retrying cannot fix (unsupported path, invalid request).
    const unrecoverable = err instanceof CofferError && err.status >= 400 && err.status < 500;
    if (attempts >= this.opts.maxRevokeAttempts || unrecoverable || le.revoke_error) {
      le.revoke_error = truncateError(attempts >= this.opts.maxRevokeAttempts ? `out of retries: ${msg}` : msg);
      await this.store.update(le, le.expire_time);
      this.schedule.markIrrevocable(le.lease_id, le.revoke_error);
      this.core.logger.error({ lease_id: le.lease_id, attempts, err: msg }, 'failed to revoke lease, marking it irrevocable');
      return;
    }
    await this.store.update(le, le.expire_time);
    const exp = 2 ** attempts * this.opts.retryBaseMs;
    const delay = Math.round(exp / 2 + Math.random() * exp);
    this.core.logger.error({ lease_id: le.lease_id, attempts, next_attempt_ms: delay, err: msg }, 'failed to revoke lease');
    this.track(le.lease_id, this.now() + delay);
  }

  /** Marks a lease as expiring now; the queue revokes it (Vault's LazyRevoke). */
  async lazyRevoke(id: string): Promise<void> {
    await this.locks.run(id, async () => {
      const le = await this.store.load(id);
      if (!le) return;
      const now = this.now();
      if (le.expire_time === 0 || le.expire_time > now || !le.revoke_requested) {
        const prev = le.expire_time;
        le.expire_time = Math.min(prev || now, now);
        le.revoke_requested = true;
        await this.store.update(le, prev);
      }
      this.track(id, le.expire_time);
    });
  }

  /** Revokes at once; `force` removes the lease even when the Backend refuses. */
  async revokeNow(id: string, force = false): Promise<void> {
    await this.locks.run(id, async () => {
      const le = await this.store.load(id);
      if (!le) return;
      try {
        await this.callRevoke(le);
      } catch (e) {
        if (!force) throw badRequest(`failed to revoke entry: ${(e as Error).message}`);
        this.core.logger.warn({ lease_id: id, err: (e as Error).message }, 'revocation from the backend failed, but in force mode so ignoring');
      }
      await this.store.remove(le);
      this.untrack(id);
    });
  }

  isTracked(id: string): boolean {
    return this.schedule.has(id);
  }

  /** Tidy: a body whose expiry index went missing is indexed and scheduled again. */
  async adopt(le: LeaseEntry): Promise<void> {
    await this.locks.run(le.lease_id, async () => {
      await this.store.update(le, -1);
      this.track(le.lease_id, le.expire_time);
    });
  }

  /** Drops a lease record without calling its owner (the token is already being revoked). */
  async forget(id: string): Promise<void> {
    const le = await this.store.load(id);
    if (le) await this.store.remove(le);
    this.untrack(id);
  }

  /** sys/leases/revoke-prefix and revoke-force, and mount disable (sync). */
  async revokePrefix(prefix: string, opts: { sync: boolean; force?: boolean }): Promise<void> {
    let p = trimSlashes(prefix);
    if (p && !prefix.endsWith('/') && (await this.store.load(p))) {
      return opts.sync ? this.revokeNow(p, opts.force) : this.lazyRevoke(p);
    }
    p = p ? `${p}/` : '';
    const ids = await this.store.idsUnder(p);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!opts.sync) { await this.lazyRevoke(id); continue; }
      try {
        await this.revokeNow(id, opts.force);
      } catch (e) {
        throw badRequest(`failed to revoke "${id}" (${i + 1} / ${ids.length}): ${(e as Error).message}`);
      }
    }
  }

  // ---- lookup and renew ---------------------------------------------------------------

  private checkId(id: string): void {
    if (!validLeaseId(id)) throw badRequest('invalid lease ID');
  }

  async load(id: string): Promise<LeaseEntry | undefined> {
    return validLeaseId(id) ? this.store.load(id) : undefined;
  }

  async lookup(id: string): Promise<Record<string, unknown>> {
    this.checkId(id);
    const le = await this.store.load(id);
    if (!le) throw badRequest('invalid lease');
    if (le.kind === 'auth' && !le.revoke_requested) {
      const token = await this.core.tokens.lookupByHash(le.token_hash);
      if (token && token.expire_time * 1000 > le.expire_time) Object.assign(le, { expire_time: token.expire_time * 1000, ttl: token.ttl });
    }
    return lookupJSON(le, this.now());
  }

  async listPrefix(prefix: string): Promise<string[]> {
    const p = trimSlashes(prefix);
    if (p && !validLeaseId(p)) throw badRequest('invalid lease ID prefix');
    return this.store.listLevel(p ? `${p}/` : '');
  }

  /** sys/leases/renew: the Backend's renew callback, then Vault's TTL caps. */
  async renew(id: string, increment: number): Promise<Response> {
    this.checkId(id);
    return this.locks.run(id, async () => {
      const le = await this.store.load(id);
      const now = this.now();
      assertRenewable(le, now);
      if (le.kind === 'auth') throw badRequest('tokens cannot be renewed through this endpoint');
      const { route, secretType, req } = leaseTarget(this.core.mounts.router, le, increment);
      if (!secretType.renew) throw badRequest('lease is not renewable');
      const out = (await withTimeout(secretType.renew(req), this.opts.revokeTimeoutMs, 'renewal')) ?? null;
      const sys = route.backend.ctx.system;
      const { ttl, warnings } = calculateTTL({
        now: now / 1000, issueTime: le.issue_time / 1000, increment,
        backendTTL: out?.secret?.ttl ?? le.ttl, backendMaxTTL: out?.secret?.maxTTL ?? le.max_ttl,
        mountDefaultTTL: sys.defaultLeaseTTL(), mountMaxTTL: sys.maxLeaseTTL(),
      });
      let expire = now + ttl * 1000;
      if (le.token_type === 'batch') {
        const parentLimit = await this.batchLimit(le);
        if (parentLimit && expire > parentLimit) expire = parentLimit;
      }
      const prev = le.expire_time;
      Object.assign(le, { expire_time: expire, ttl, last_renewal: now, max_ttl: out?.secret?.maxTTL ?? le.max_ttl });
      if (out?.secret?.internal) le.internal = out.secret.internal;
      await this.store.update(le, prev);
      this.track(id, expire);
      return {
        data: out?.data ?? null, leaseId: id, renewable: le.renewable, leaseDuration: Math.min(ttl, Math.round((expire - now) / 1000)),
        warnings: [...(out?.warnings ?? []), ...warnings],
      };
    });
  }

  private async batchLimit(le: LeaseEntry): Promise<number> {
    // Batch-token leases are indexed under the parent; the parent's expiry bounds them.
    const parent = le.token_hash ? await this.core.tokens.lookupByHash(le.token_hash) : undefined;
    return parent?.expire_time ? parent.expire_time * 1000 : 0;
  }

  /** sys/leases (type=irrevocable). */
  irrevocableLeases(): { lease_id: string; error: string; mount_id: string }[] {
    return this.schedule.irrevocableEntries().map(([id, error]) => ({ lease_id: id, error, mount_id: this.core.mounts.router.match(id)?.entry.accessor ?? '' }));
  }
}
