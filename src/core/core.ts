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
import type { Storage } from '../storage/storage.js';
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
    if (this.unsealed) return;
    const result = await this.seal.submitKey(key);
    if (!result.done) return;
    try {
      await this.barrier.unseal(result.rootKey);
    } catch {
      throw badRequest('invalid key');
    }
    await this.postUnsealOnce();
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

  async sealCore(): Promise<void> {
    this.unsealed = false;
    for (const h of sealHooks) await h.fn(this).catch((e) => this.logger.warn({ hook: h.name, err: String(e) }, 'seal hook failed'));
    await this.services.leases?.stop?.();
    await this.mounts.unload();
    this.tokens?.clearCache();
    this.barrier.seal();
    this.seal.resetProgress();
    this.seal.forgetUnsealKey();
  }

  /** Creates the root token with a chosen id (dev mode's -dev-root-token-id). */
  async createRootToken(id?: string): Promise<TokenEntry> {
    if (this.sealed) throw new CofferError(503, 'Vault is sealed');
    return this.tokens.create({ policies: ['root'], path: 'auth/token/root', displayName: 'root', orphan: true, id });
  }
}
