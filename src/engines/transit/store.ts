/**
 * Transit keys in the mount's storage (`policy/<name>`, Vault's layout), with a per-key
 * queue so read-modify-write changes (rotate, config, trim, upsert) never lose each other.
 */
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { KeyPolicy } from './policy.js';

/** Vault's GenericNameRegex: word characters, with '-' and '.' inside. */
const NAME = /^\w(?:[\w.-]*\w)?$/;

export class TransitStore {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly storage: LogicalStorage) {}

  private key(name: string): string {
    if (!NAME.test(name)) throw badRequest('invalid key name');
    return `policy/${name}`;
  }

  get(name: string): Promise<KeyPolicy | undefined> {
    return this.storage.getJSON<KeyPolicy>(this.key(name));
  }

  put(p: KeyPolicy): Promise<void> {
    return this.storage.putJSON(this.key(p.name), p);
  }

  delete(name: string): Promise<void> {
    return this.storage.delete(this.key(name));
  }

  async list(): Promise<string[]> {
    return (await this.storage.list('policy/')).filter((k) => !k.endsWith('/'));
  }

  /** Runs fn after every earlier change to the same key has finished. */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(name, tail);
    void tail.then(() => { if (this.queues.get(name) === tail) this.queues.delete(name); });
    return run;
  }
}
