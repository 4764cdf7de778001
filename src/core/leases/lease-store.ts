/**
 * Lease persistence below the barrier, under `sys/expire/`:
 *
 *   id/<lease id>                      the lease body (JSON, encrypted)
 *   token/<token hash>/<b64url id>     secrets to revoke with a token (the key says it all)
 *   exp/<b64url id>.<expire ms>        the expiry index: restore lists this one folder
 *
 * Restore reads only keys, never bodies, so a hundred thousand leases come back as a list of
 * ids and expiry times. Every change to a lease rewrites body and index in one transaction.
 */
import type { LogicalView } from '../../framework/logical.js';
import type { StorageOp } from '../../storage/storage.js';
import { decodeId, encodeId, type LeaseEntry } from './lease-entry.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface IndexedLease {
  id: string;
  expireTime: number;
}

export class LeaseStore {
  constructor(private readonly view: LogicalView) {}

  static expKey(id: string, expireTime: number): string {
    return `exp/${encodeId(id)}.${expireTime}`;
  }

  static tokenKey(tokenHash: string, id: string): string {
    return `token/${tokenHash}/${encodeId(id)}`;
  }

  async load(id: string): Promise<LeaseEntry | undefined> {
    const raw = await this.view.get(`id/${id}`);
    return raw ? (JSON.parse(dec.decode(raw)) as LeaseEntry) : undefined;
  }

  /** Writes a new lease with its indexes. */
  async create(le: LeaseEntry): Promise<void> {
    const ops: StorageOp[] = [
      { op: 'put', key: `id/${le.lease_id}`, value: enc.encode(JSON.stringify(le)) },
      { op: 'put', key: LeaseStore.expKey(le.lease_id, le.expire_time), value: new Uint8Array() },
    ];
    if (le.kind === 'secret' && le.token_hash) ops.push({ op: 'put', key: LeaseStore.tokenKey(le.token_hash, le.lease_id), value: new Uint8Array() });
    await this.view.transaction(ops);
  }

  /** Rewrites the body; moves the expiry index when the expiry changed. */
  async update(le: LeaseEntry, previousExpireTime: number): Promise<void> {
    const ops: StorageOp[] = [{ op: 'put', key: `id/${le.lease_id}`, value: enc.encode(JSON.stringify(le)) }];
    if (previousExpireTime !== le.expire_time) {
      ops.push({ op: 'delete', key: LeaseStore.expKey(le.lease_id, previousExpireTime) });
      ops.push({ op: 'put', key: LeaseStore.expKey(le.lease_id, le.expire_time), value: new Uint8Array() });
    }
    await this.view.transaction(ops);
  }

  async remove(le: LeaseEntry): Promise<void> {
    const ops: StorageOp[] = [
      { op: 'delete', key: `id/${le.lease_id}` },
      { op: 'delete', key: LeaseStore.expKey(le.lease_id, le.expire_time) },
    ];
    if (le.kind === 'secret' && le.token_hash) ops.push({ op: 'delete', key: LeaseStore.tokenKey(le.token_hash, le.lease_id) });
    await this.view.transaction(ops);
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      await this.view.transaction(keys.slice(i, i + 500).map((key) => ({ op: 'delete' as const, key })));
    }
  }

  /** The expiry index: every lease id with its expiry, without reading a single body. */
  async scanIndex(): Promise<IndexedLease[]> {
    const out: IndexedLease[] = [];
    for (const key of await this.view.list('exp/')) {
      const dot = key.lastIndexOf('.');
      if (dot <= 0) continue;
      const expireTime = Number(key.slice(dot + 1));
      if (!Number.isFinite(expireTime)) continue;
      out.push({ id: decodeId(key.slice(0, dot)), expireTime });
    }
    return out;
  }

  /** Lease ids tied to a token. */
  async idsByToken(tokenHash: string): Promise<string[]> {
    if (!/^[0-9a-f]+$/.test(tokenHash)) return [];
    return (await this.view.list(`token/${tokenHash}/`)).filter((k) => !k.endsWith('/')).map(decodeId);
  }

  /** One level of sys/leases/lookup/<prefix>: lease id segments and sub-folders. */
  async listLevel(prefix: string): Promise<string[]> {
    return this.view.list(`id/${prefix}`);
  }

  /** Every lease id (in full) below prefix, which is '' or ends in '/'. */
  async idsUnder(prefix: string): Promise<string[]> {
    return (await this.view.listRecursive(`id/${prefix}`)).map((k) => k.slice(3));
  }

  /** Token index keys, for tidy: [token hash, lease id]. */
  async tokenIndex(): Promise<[string, string][]> {
    const out: [string, string][] = [];
    for (const folder of await this.view.list('token/')) {
      if (!folder.endsWith('/')) continue;
      const hash = folder.slice(0, -1);
      for (const k of await this.view.list(`token/${folder}`)) if (!k.endsWith('/')) out.push([hash, decodeId(k)]);
    }
    return out;
  }
}
