/**
 * Core lifecycle: initialize, unseal, seal. On unseal it loads the mount tables, the token
 * store and the registered services; on seal it drops every key and Backend from memory.
 */
import { randomBytes } from 'node:crypto';
import { Barrier } from '../barrier/barrier.js';
import { ShamirSeal } from '../barrier/seal/shamir-seal.js';
import { LogicalView } from '../framework/logical.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { badRequest, CofferError } from '../lib/errors.js';
import { uuid } from '../lib/ids.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import type { HALock, Storage } from '../storage/storage.js';
import { attachIdentity } from './identity/identity-service.js';
import { MountManager } from './mounts/mount-manager.js';
import { lookupType } from './registry.js';
import type { CoreServices } from './services.js';
import type { TokenEntry } from './tokens/token-entry.js';
import { TokenStore } from './tokens/token-store.js';

export interface CoreOptions {
  physical: Storage;
  logger?: Logger;
  clock?: Clock;
  defaultLeaseTTL?: number;
  maxLeaseTTL?: number;
  apiAddr?: string;
  clusterName?: string;
  /** The `storage` stanza type, reported by sys/seal-status. */
  storageType?: string;
}

/** A hook run after every unseal, in registration order (services attach here). */
export type UnsealHook = (core: Core) => Promise<void>;
export type SealHook = (core: Core) => Promise<void>;

const unsealHooks: { name: string; fn: UnsealHook }[] = [];
const sealHooks: { name: string; fn: SealHook }[] = [];

/** Services (leases, audit, identity, policies) register once at import time. */
export function onUnseal(name: string, fn: UnsealHook): void {
  if (!unsealHooks.some((h) => h.name === name)) unsealHooks.push({ name, fn });
}
export function onSeal(name: string, fn: SealHook): void {
  if (!sealHooks.some((h) => h.name === name)) sealHooks.push({ name, fn });
}

export const VERSION = '1.17.0+coffer.0.1.0';

/** The storage lock the active node holds when the storage does HA (as Vault's core/lock). */
export const HA_LOCK_KEY = 'core/lock';

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
const abortedOf = (...signals: AbortSignal[]) => new Promise<void>((resolve) => {
  for (const s of signals) {
    if (s.aborted) return resolve();
    s.addEventListener('abort', () => resolve(), { once: true });
  }
});

export class Core {
  readonly barrier: Barrier;
  readonly seal: ShamirSeal;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly mounts: MountManager;
  readonly services: CoreServices = {};
  /** Named services Backends may ask for through SystemView.service(). */
  readonly registry = new Map<string, unknown>();
  tokens!: TokenStore;
  readonly defaultLeaseTTL: number;
  readonly maxLeaseTTL: number;
  readonly clusterName: string;
  readonly clusterId = uuid();
  readonly apiAddr: string;
  readonly storageType: string;
  private unsealed = false;
  private unsealing: Promise<void> | undefined;
  /** With HA storage: unsealed keys in hand, waiting for (or between holds of) the lock. */
  private ha: { stop: AbortController; lock?: HALock; standby: boolean } | undefined;
  /** When this node last became active (sys/leader's active_time). */
  activeTime: Date | undefined;
  /** The address other nodes are sent to when this one is active; the first listener's by default. */
  listenerAddr = '';

  constructor(readonly opts: CoreOptions) {
    this.logger = opts.logger ?? silentLogger();
    this.clock = opts.clock ?? systemClock;
    this.barrier = new Barrier(opts.physical);
    this.seal = new ShamirSeal(opts.physical);
    this.defaultLeaseTTL = opts.defaultLeaseTTL || 768 * 3600;
    this.maxLeaseTTL = opts.maxLeaseTTL || 768 * 3600;
    this.clusterName = opts.clusterName ?? `vault-cluster-${randomBytes(4).toString('hex')}`;
    this.apiAddr = opts.apiAddr ?? '';
    this.storageType = opts.storageType ?? 'inmem';
    this.mounts = new MountManager({
      storage: this.barrier,
      logger: this.logger,
      systemDefaults: () => ({ defaultLeaseTTL: this.defaultLeaseTTL, maxLeaseTTL: this.maxLeaseTTL }),
      service: <T>(name: string) => this.registry.get(name) as T | undefined,
    });
    this.registry.set('core', this);
  }

  get sealed(): boolean {
    return !this.unsealed;
  }

  /** True when the storage does HA (postgresql with ha_enabled). */
  get haEnabled(): boolean {
    return typeof this.opts.physical.lock === 'function';
  }

  /** Unsealed but not active: another node holds the HA lock. Requests get 503 as if sealed. */
  get standby(): boolean {
    return this.ha?.standby === true;
  }

  /** The active node's address as it advertised it in the HA lock. */
  async leaderAddress(): Promise<string | undefined> {
    return this.opts.physical.lockValue?.(HA_LOCK_KEY);
  }

  async initialized(): Promise<boolean> {
    return (await this.seal.config()) !== undefined && (await this.barrier.initialized());
  }

  /** sys/init: creates the keyring, the unseal keys and the root token. Leaves the core sealed, as Vault does. */
  async initialize(shares: number, threshold: number): Promise<{ keys: Uint8Array[]; rootToken: string }> {
    if (await this.initialized()) throw badRequest('Vault is already initialized');
    const { keys, rootKey } = await this.seal.initialize(shares, threshold);
    await this.barrier.initialize(rootKey);
    await this.barrier.unseal(rootKey);
    try {
      await this.postUnseal();
      const root = await this.tokens.create({ policies: ['root'], path: 'auth/token/root', displayName: 'root', orphan: true });
      return { keys, rootToken: root.id };
    } finally {
      await this.sealCore();
    }
  }

  /** One unseal key share; unseals once the threshold is reached. */
  async submitUnsealKey(key: Uint8Array): Promise<void> {
    if (!(await this.initialized())) throw badRequest('Vault is not initialized');
    if (this.unsealed || this.ha) return;
    const result = await this.seal.submitKey(key);
    if (!result.done) return;
    try {
      await this.barrier.unseal(result.rootKey);
    } catch {
      throw badRequest('invalid key');
    }
    if (this.haEnabled) this.runForActive();
    else await this.postUnsealOnce();
  }

  /** Unseals with the root key directly (dev mode, tests). */
  async unsealWithRootKey(rootKey: Uint8Array): Promise<void> {
    await this.barrier.unseal(rootKey);
    await this.postUnsealOnce();
  }

  private async postUnsealOnce(): Promise<void> {
    this.unsealing ??= this.postUnseal().finally(() => { this.unsealing = undefined; });
    await this.unsealing;
  }

  private async postUnseal(): Promise<void> {
    this.tokens = new TokenStore(new LogicalView(this.barrier, 'sys/token/'), this.clock);
    await this.tokens.init();
    this.registry.set('tokens', this.tokens);
    await attachIdentity(this).load();
    const builtins: Parameters<MountManager['load']>[0] = [
      { table: 'mounts', path: 'sys/', type: 'system', description: 'system endpoints used for control, policy and debugging' },
      { table: 'mounts', path: 'cubbyhole/', type: 'cubbyhole', description: 'per-token private secret storage' },
      { table: 'auth', path: 'token/', type: 'token', description: 'token based credentials' },
    ];
    if (lookupType('secret', 'identity')) builtins.push({ table: 'mounts', path: 'identity/', type: 'identity', description: 'identity store' });
    await this.mounts.load(builtins.filter((b) => lookupType(b.table === 'auth' ? 'auth' : 'secret', b.type)));
    for (const h of unsealHooks) await h.fn(this);
    this.unsealed = true;
    this.logger.info('vault is unsealed');
  }

  /**
   * HA: stand by until the lock is ours, then become active; if the lock is lost, step back
   * down (services unloaded, keys kept) and wait again. Ends when sealCore aborts `stop`.
   */
  private runForActive(): void {
    const ha = { stop: new AbortController(), standby: true } as NonNullable<Core['ha']>;
    this.ha = ha;
    const { stop } = ha;
    const advertise = this.apiAddr || this.listenerAddr;
    void (async () => {
      while (!stop.signal.aborted) {
        let lock: HALock;
        try {
          lock = await this.opts.physical.lock!(HA_LOCK_KEY, advertise, stop.signal);
        } catch (e) {
          if (!stop.signal.aborted) this.logger.warn({ err: String(e) }, 'ha: cannot acquire the lock; retrying');
          await pause(1000);
          continue;
        }
        ha.lock = lock;
        // sealCore may have run meanwhile and missed this lock: give it back here.
        if (stop.signal.aborted) { await lock.release().catch(() => {}); break; }
        try {
          await this.postUnsealOnce();
          if (stop.signal.aborted) { await this.unloadActive(); break; }
          ha.standby = false;
          this.activeTime = new Date();
          this.logger.info('ha: acquired lock, this node is active');
        } catch (e) {
          this.logger.error({ err: String(e) }, 'ha: becoming active failed; giving the lock up');
          await this.stepDown(ha);
          await pause(1000);
          continue;
        }
        await abortedOf(lock.lost, stop.signal);
        if (stop.signal.aborted) break;
        this.logger.warn({ reason: String(lock.lost.reason) }, 'ha: lost the lock, stepping down to standby');
        await this.stepDown(ha);
      }
    })();
  }

  private async stepDown(ha: NonNullable<Core['ha']>): Promise<void> {
    ha.standby = true;
    this.activeTime = undefined;
    await this.unloadActive();
    const lock = ha.lock;
    ha.lock = undefined;
    await lock?.release().catch(() => {});
  }

  async sealCore(): Promise<void> {
    const ha = this.ha;
    this.ha = undefined;
    ha?.stop.abort();
    this.activeTime = undefined;
    await this.unloadActive();
    this.barrier.seal();
    this.seal.resetProgress();
    this.seal.forgetUnsealKey();
    // Released last, so the next active node starts only after this one stopped writing.
    await ha?.lock?.release().catch((e) => this.logger.warn({ err: String(e) }, 'ha: releasing the lock failed'));
  }

  /** Everything an active node loaded on unseal, dropped; the barrier keys stay. */
  private async unloadActive(): Promise<void> {
    this.unsealed = false;
    for (const h of sealHooks) await h.fn(this).catch((e) => this.logger.warn({ hook: h.name, err: String(e) }, 'seal hook failed'));
    await this.services.leases?.stop?.();
    await this.mounts.unload();
    this.tokens?.clearCache();
  }

  /** Creates the root token with a chosen id (dev mode's -dev-root-token-id). */
  async createRootToken(id?: string): Promise<TokenEntry> {
    if (this.sealed) throw new CofferError(503, 'Vault is sealed');
    return this.tokens.create({ policies: ['root'], path: 'auth/token/root', displayName: 'root', orphan: true, id });
  }
}
