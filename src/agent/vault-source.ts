/**
 * The templates' window on Vault (consul-template's "brain" plus its Vault dependencies): every
 * `secret`, `secrets`, `pkiCert` and `file` call is a dependency, fetched once and shared by all
 * templates, then refreshed on consul-template's schedule (see refresh.ts). A refresh tells the
 * runner which templates to render again. A 403 means the token is gone: the auth handler is
 * told at once, and a new token clears everything so it is all fetched again with it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApiError, toApiError, type VaultClient } from '../api/client.js';
import type { Logger } from '../lib/logger.js';
import { safeMessage } from './auth/handler.js';
import { isDeletedKVv2, lookupMount, shimKVv2ListPath, shimKVv2Path, type MountInfo } from './kv-paths.js';
import { abortableSleep, watchLifetime } from './lifetime.js';
import { goodFor, parsePems, pemsFromIssue, readCachedPems } from './pki-cache.js';
import { refreshDelay } from './refresh.js';
import type { PkiCertResponse, TemplateDataSource, VaultSecretResponse } from './template/funcs/vault.js';
import { TemplateAbort } from './template/types.js';

export interface VaultSourceOptions {
  client: VaultClient;
  logger: Logger;
  /** Seconds between re-reads of secrets without a lease (KV v2), default 300. */
  staticSecretRenderInterval: number;
  leaseRenewalThreshold: number;
  /** Retries of a failed fetch (12; -1 = none). */
  numRetries: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A dependency has new data: re-render its templates. */
  onChange: (depId: string) => void;
  /** A refresh failed after all retries. */
  onError: (err: Error) => void;
  /** The server rejected this token (403). */
  onInvalidToken: (token: string) => void;
  random?: () => number;
}

type Kind = 'read' | 'write' | 'list' | 'pki' | 'file';

interface Dep {
  id: string;
  kind: Kind;
  path: string;
  data?: Record<string, string>;
  destination?: string;
  value?: unknown;
  pending?: Promise<unknown>;
  stop: AbortController;
}

/** Thrown to abandon work started with a token that has since been replaced. */
export class StaleTokenError extends TemplateAbort {
  constructor() {
    super('the Vault token changed while fetching');
  }
}

export class VaultSource {
  private deps = new Map<string, Dep>();
  private mounts = new Map<string, Promise<MountInfo>>();
  private token = '';
  private generation = 0;
  private readonly random: () => number;

  constructor(private readonly o: VaultSourceOptions) {
    this.random = o.random ?? Math.random;
  }

  get currentToken(): string {
    return this.token;
  }

  /** A new token: forget every dependency so all data is fetched again with it. */
  setToken(token: string): void {
    this.token = token;
    this.reset();
  }

  reset(): void {
    this.generation++;
    for (const d of this.deps.values()) d.stop.abort();
    this.deps.clear();
    this.mounts.clear();
  }

  stop(): void {
    this.reset();
  }

  /** Stops refreshing dependencies no template uses any more. */
  release(ids: Iterable<string>): void {
    for (const id of ids) {
      const d = this.deps.get(id);
      if (d && !d.pending) {
        d.stop.abort();
        this.deps.delete(id);
      }
    }
  }

  /** The data functions for one render; `used` collects the dependencies it touched. */
  forRender(used: Set<string>): TemplateDataSource & { readFile(path: string): Promise<string> } {
    const get = <T>(kind: Kind, path: string, data?: Record<string, string>, destination?: string): Promise<T> => {
      const id = depId(kind, path, data, destination);
      used.add(id);
      return this.get(id, kind, path, data, destination) as Promise<T>;
    };
    return {
      secret: (path, data) => get<VaultSecretResponse>(data ? 'write' : 'read', normalizePath(path), data),
      list: (path) => get<string[]>('list', normalizePath(path)),
      pkiCert: (path, data, destination) => get<PkiCertResponse>('pki', normalizePath(path), data, destination),
      readFile: (path) => get<string>('file', path),
    };
  }

  private get(id: string, kind: Kind, path: string, data?: Record<string, string>, destination?: string): Promise<unknown> {
    let d = this.deps.get(id);
    if (!d) {
      d = { id, kind, path, data, destination, stop: new AbortController() };
      this.deps.set(id, d);
    }
    if (d.value !== undefined) return Promise.resolve(d.value);
    if (d.pending) return d.pending;
    const dep = d;
    const gen = this.generation;
    dep.pending = this.fetchWithRetry(dep, gen).then(
      ([value, delay]) => {
        dep.pending = undefined;
        if (gen !== this.generation) throw new StaleTokenError();
        dep.value = value;
        this.schedule(dep, value, delay, gen);
        return value;
      },
      (e) => {
        dep.pending = undefined;
        if (this.deps.get(dep.id) === dep) this.deps.delete(dep.id);
        throw e;
      },
    );
    return dep.pending;
  }

  /** After `delay` (or a lease's renewals), fetch again and tell the runner. */
  private schedule(dep: Dep, value: unknown, delay: number | 'renew', gen: number): void {
    const signal = dep.stop.signal;
    void (async () => {
      if (delay === 'renew') await this.renewLease(value as VaultSecretResponse, signal);
      else await abortableSleep(delay, signal);
      if (signal.aborted || gen !== this.generation) return;
      try {
        const [next, nextDelay] = await this.fetchWithRetry(dep, gen);
        if (signal.aborted || gen !== this.generation) return;
        dep.value = next;
        this.schedule(dep, next, nextDelay, gen);
        this.o.onChange(dep.id);
      } catch (e) {
        if (e instanceof StaleTokenError || signal.aborted) return;
        this.deps.delete(dep.id);
        this.o.onError(e as Error);
      }
    })();
  }

  private async renewLease(s: VaultSecretResponse, signal: AbortSignal): Promise<void> {
    const lease = Number(s.lease_duration ?? 0);
    // consul-template first waits a random part of the first third of the lease.
    await abortableSleep(((lease * 1000) / 3) * ((this.random() + 1) / 2) * 0.5, signal);
    if (signal.aborted) return;
    const res = await watchLifetime({
      initial: { leaseDuration: lease, renewable: true },
      increment: lease,
      signal,
      random: this.random,
      renew: async () => {
        const r = await this.o.client.request('PUT', 'sys/leases/renew', { token: this.token, body: { lease_id: s.lease_id, increment: lease } });
        if (r.status !== 200) throw toApiError(r);
        return { leaseDuration: Number(r.body?.lease_duration ?? 0), renewable: Boolean(r.body?.renewable) };
      },
    });
    if (res.reason === 'error') this.o.logger.warn({ lease_id: s.lease_id }, `template: lease renewal failed: ${safeMessage(res.error)}`);
  }

  private async fetchWithRetry(dep: Dep, gen: number): Promise<[unknown, number | 'renew']> {
    const attempts = this.o.numRetries < 0 ? 0 : this.o.numRetries;
    let wait = this.o.retryBaseMs ?? 250;
    for (let attempt = 0; ; attempt++) {
      if (gen !== this.generation) throw new StaleTokenError();
      try {
        return await this.fetch(dep);
      } catch (e) {
        if (e instanceof StaleTokenError) throw e;
        if (e instanceof ApiError && e.status === 403) {
          this.o.onInvalidToken(this.token);
          throw new StaleTokenError();
        }
        if (attempt >= attempts) throw new Error(`${describe(dep)}: ${safeMessage(e)}`);
        this.o.logger.warn({ dependency: describe(dep), attempt: attempt + 1 }, `template: fetch failed, retrying: ${safeMessage(e)}`);
        await abortableSleep(wait * (0.75 + 0.5 * this.random()), dep.stop.signal);
        wait = Math.min(wait * 2, this.o.retryMaxMs ?? 60_000);
      }
    }
  }

  private mount(path: string): Promise<MountInfo> {
    let m = this.mounts.get(path);
    if (!m) this.mounts.set(path, (m = lookupMount(this.o.client, this.token, path)));
    return m;
  }

  private async fetch(dep: Dep): Promise<[unknown, number | 'renew']> {
    const client = this.o.client;
    const token = this.token;
    switch (dep.kind) {
      case 'file': {
        const text = await readFile(dep.path, 'utf8');
        return [text, 2000];
      }
      case 'list': {
        const m = await this.mount(dep.path);
        const p = m.isKVv2 ? shimKVv2ListPath(dep.path, m.mountPath) : dep.path;
        const res = await client.request('LIST', p, { token });
        if (res.status === 404) return [[], this.o.staticSecretRenderInterval * 1000];
        if (res.status >= 400) throw toApiError(res);
        const keys = res.body?.data?.keys;
        return [Array.isArray(keys) ? keys.map(String).sort() : [], this.o.staticSecretRenderInterval * 1000];
      }
      case 'pki': {
        const threshold = this.o.leaseRenewalThreshold;
        const cached = await readCachedPems(dep.destination);
        let wait = cached ? goodFor(cached, threshold, Date.now(), this.random) : undefined;
        if (cached && wait !== undefined) return [{ cert: cached.cert, key: cached.key, ca: cached.ca, caChain: cached.caChain }, wait];
        const res = await client.request('PUT', dep.path, { token, body: dep.data ?? {} });
        if (res.status >= 400) throw toApiError(res);
        if (!res.body?.data) throw new Error(`no secret exists at ${dep.path}`);
        const pems = parsePems(pemsFromIssue(res.body.data));
        wait = goodFor(pems, threshold, Date.now(), this.random) ?? this.o.staticSecretRenderInterval * 1000;
        return [{ cert: pems.cert, key: pems.key, ca: pems.ca, caChain: pems.caChain }, wait];
      }
      case 'read':
      case 'write': {
        const [raw, query] = splitQuery(dep.path);
        const m = await this.mount(raw);
        const p = m.isKVv2 ? shimKVv2Path(raw, m.mountPath) : raw;
        let res;
        if (dep.kind === 'read') {
          res = await client.request('GET', p, { token, query });
        } else {
          const body = m.isKVv2 ? { data: dep.data ?? {} } : dep.data ?? {};
          res = await client.request('PUT', p, { token, body });
        }
        if (res.status === 404 && dep.kind === 'read') throw new Error(`no secret exists at ${p}`);
        if (res.status >= 400) throw toApiError(res);
        const s = (res.body ?? {}) as VaultSecretResponse;
        if (dep.kind === 'read' && (!res.body || isDeletedKVv2(s.data))) throw new Error(`no secret exists at ${p}`);
        return [s, refreshDelay(s, { staticInterval: this.o.staticSecretRenderInterval, threshold: this.o.leaseRenewalThreshold, random: this.random })];
      }
    }
  }
}

function normalizePath(p: string): string {
  return p.trim().replace(/^\/+|\/+$/g, '');
}

function splitQuery(path: string): [string, Record<string, string> | undefined] {
  const i = path.indexOf('?');
  if (i < 0) return [path, undefined];
  return [path.slice(0, i), Object.fromEntries(new URLSearchParams(path.slice(i + 1)))];
}

export function depId(kind: Kind, path: string, data?: Record<string, string>, destination?: string): string {
  if (!data && !destination) return `${kind}:${path}`;
  const sorted = data ? Object.keys(data).sort().map((k) => `${k}=${data[k]}`).join('&') : '';
  return `${kind}:${path}:${createHash('sha1').update(sorted).update('\0').update(destination ?? '').digest('hex')}`;
}

function describe(d: Dep): string {
  const names: Record<Kind, string> = { read: 'vault.read', write: 'vault.write', list: 'vault.list', pki: 'vault.pki', file: 'file' };
  return `${names[d.kind]}(${d.path})`;
}
