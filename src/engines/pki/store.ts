/**
 * The PKI mount's storage, with in-memory caches for what every issuance reads (roles,
 * issuers with their parsed certificate and key). Only this class writes the mount's
 * storage, so a write here is the only thing that can make a cached value stale.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { LogicalStorage } from '../../framework/types.js';
import { DEFAULT_CRL_CONFIG, type ClusterConfig, type CrlConfig, type IssuerEntry, type IssuersConfig, type KeyEntry, type RevokedEntry, type RoleEntry, type UrlsConfig } from './types.js';
import { parsePrivateKey, signerByName, signerFor, spkiKeyBits, type Signer } from './x509/keys.js';
import { parseCertificate, type ParsedCert } from './x509/parse.js';
import { firstCertDer } from './x509/pem.js';

export interface LoadedIssuer {
  entry: IssuerEntry;
  cert: ParsedCert;
  key?: KeyObject;
  /** SHA-1 over the issuer's public key bits (OCSP responder id and key hash). */
  keyHash: Buffer;
  signer(signatureBits?: number, usePss?: boolean): Signer;
  crlSigner(): Signer;
}

/** Serials as Vault accepts them in paths: any case, `:` or `-` separated. Storage uses `-`. */
export const serialKey = (serial: string): string => serial.trim().toLowerCase().replace(/:/g, '-');
export const serialColon = (serial: string): string => serialKey(serial).replace(/-/g, ':');

export class PkiStore {
  private roles = new Map<string, RoleEntry | null>();
  private issuers?: Map<string, IssuerEntry>;
  private keys?: Map<string, KeyEntry>;
  private loaded = new Map<string, LoadedIssuer>();
  private configCache = new Map<string, unknown>();

  constructor(readonly storage: LogicalStorage) {}

  // ------------------------------------------------------------------ roles
  async getRole(name: string): Promise<RoleEntry | undefined> {
    if (this.roles.has(name)) return this.roles.get(name) ?? undefined;
    const r = (await this.storage.getJSON<RoleEntry>(`role/${name}`)) ?? null;
    this.roles.set(name, r);
    return r ?? undefined;
  }
  async putRole(name: string, role: RoleEntry): Promise<void> {
    await this.storage.putJSON(`role/${name}`, role);
    this.roles.set(name, role);
  }
  async deleteRole(name: string): Promise<void> {
    await this.storage.delete(`role/${name}`);
    this.roles.delete(name);
  }
  listRoles(): Promise<string[]> { return this.storage.list('role/'); }

  // ---------------------------------------------------------------- configs
  private async config<T>(key: string, fallback: T): Promise<T> {
    if (this.configCache.has(key)) return this.configCache.get(key) as T;
    const v = { ...fallback, ...((await this.storage.getJSON<T>(`config/${key}`)) ?? {}) } as T;
    this.configCache.set(key, v);
    return v;
  }
  private async putConfig(key: string, v: unknown): Promise<void> {
    await this.storage.putJSON(`config/${key}`, v);
    this.configCache.set(key, v);
  }
  issuersConfig() { return this.config<IssuersConfig>('issuers', { default: '', default_follows_latest_issuer: false }); }
  putIssuersConfig(c: IssuersConfig) { return this.putConfig('issuers', c); }
  keysConfig() { return this.config<{ default: string }>('keys', { default: '' }); }
  putKeysConfig(c: { default: string }) { return this.putConfig('keys', c); }
  urlsConfig() { return this.config<UrlsConfig>('urls', { issuing_certificates: [], crl_distribution_points: [], ocsp_servers: [], enable_templating: false }); }
  putUrlsConfig(c: UrlsConfig) { return this.putConfig('urls', c); }
  crlConfig() { return this.config<CrlConfig>('crl', DEFAULT_CRL_CONFIG); }
  putCrlConfig(c: CrlConfig) { return this.putConfig('crl', c); }
  clusterConfig() { return this.config<ClusterConfig>('cluster', { path: '', aia_path: '' }); }
  putClusterConfig(c: ClusterConfig) { return this.putConfig('cluster', c); }

  // ------------------------------------------------------------------- keys
  private async keyMap(): Promise<Map<string, KeyEntry>> {
    if (this.keys) return this.keys;
    const m = new Map<string, KeyEntry>();
    for (const id of await this.storage.list('key/')) {
      const k = await this.storage.getJSON<KeyEntry>(`key/${id}`);
      if (k) m.set(id, k);
    }
    this.keys = m;
    return m;
  }
  async listKeys(): Promise<KeyEntry[]> { return [...(await this.keyMap()).values()]; }
  async getKey(id: string): Promise<KeyEntry | undefined> { return (await this.keyMap()).get(id); }
  async putKey(k: KeyEntry): Promise<void> {
    await this.storage.putJSON(`key/${k.id}`, k);
    (await this.keyMap()).set(k.id, k);
    this.loaded.clear();
  }
  async deleteKey(id: string): Promise<void> {
    await this.storage.delete(`key/${id}`);
    (await this.keyMap()).delete(id);
    this.loaded.clear();
  }
  async resolveKeyRef(ref: string): Promise<string | undefined> {
    const keys = await this.keyMap();
    if (ref === 'default' || ref === '') {
      const d = (await this.keysConfig()).default;
      return d && keys.has(d) ? d : undefined;
    }
    if (keys.has(ref)) return ref;
    for (const k of keys.values()) if (k.name === ref) return k.id;
    return undefined;
  }

  // ---------------------------------------------------------------- issuers
  private async issuerMap(): Promise<Map<string, IssuerEntry>> {
    if (this.issuers) return this.issuers;
    const m = new Map<string, IssuerEntry>();
    for (const id of await this.storage.list('issuer/')) {
      const i = await this.storage.getJSON<IssuerEntry>(`issuer/${id}`);
      if (i) m.set(id, i);
    }
    this.issuers = m;
    return m;
  }
  async listIssuers(): Promise<IssuerEntry[]> {
    return [...(await this.issuerMap()).values()].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
  }
  async getIssuer(id: string): Promise<IssuerEntry | undefined> { return (await this.issuerMap()).get(id); }
  async putIssuer(i: IssuerEntry): Promise<void> {
    await this.storage.putJSON(`issuer/${i.id}`, i);
    (await this.issuerMap()).set(i.id, i);
    this.loaded.delete(i.id);
  }
  async deleteIssuer(id: string): Promise<void> {
    await this.storage.delete(`issuer/${id}`);
    (await this.issuerMap()).delete(id);
    this.loaded.delete(id);
  }
  async resolveIssuerRef(ref: string): Promise<string | undefined> {
    const issuers = await this.issuerMap();
    if (ref === 'default' || ref === '') {
      const d = (await this.issuersConfig()).default;
      return d && issuers.has(d) ? d : undefined;
    }
    if (issuers.has(ref)) return ref;
    for (const i of issuers.values()) if (i.name === ref) return i.id;
    return undefined;
  }

  /** An issuer with its certificate parsed and its key loaded, cached until either changes. */
  async loadIssuer(id: string): Promise<LoadedIssuer | undefined> {
    const hit = this.loaded.get(id);
    if (hit) return hit;
    const entry = await this.getIssuer(id);
    if (!entry) return undefined;
    const cert = parseCertificate(firstCertDer(entry.certificate)!);
    const keyEntry = entry.key_id ? await this.getKey(entry.key_id) : undefined;
    const key = keyEntry ? parsePrivateKey(keyEntry.private_key) : undefined;
    const signers = new Map<string, Signer>();
    const loaded: LoadedIssuer = {
      entry, cert, key,
      keyHash: createHash('sha1').update(spkiKeyBits(cert.spki)).digest(),
      signer(bits = 0, pss = false) {
        if (!key) throw new Error('issuer has no key');
        const k = `${bits}/${pss}`;
        let s = signers.get(k);
        if (!s) { s = signerFor(key, bits, pss); signers.set(k, s); }
        return s;
      },
      crlSigner() {
        if (!key) throw new Error('issuer has no key');
        return signerByName(key, entry.revocation_signature_algorithm);
      },
    };
    this.loaded.set(id, loaded);
    return loaded;
  }

  // ------------------------------------------------------ certificates
  putCert(serial: string, der: Uint8Array): Promise<void> { return this.storage.put(`certs/${serialKey(serial)}`, der); }
  getCert(serial: string): Promise<Uint8Array | undefined> { return this.storage.get(`certs/${serialKey(serial)}`); }
  deleteCert(serial: string): Promise<void> { return this.storage.delete(`certs/${serialKey(serial)}`); }
  listCerts(): Promise<string[]> { return this.storage.list('certs/'); }

  getRevoked(serial: string): Promise<RevokedEntry | undefined> { return this.storage.getJSON<RevokedEntry>(`revoked/${serialKey(serial)}`); }
  putRevoked(serial: string, e: RevokedEntry): Promise<void> { return this.storage.putJSON(`revoked/${serialKey(serial)}`, e); }
  deleteRevoked(serial: string): Promise<void> { return this.storage.delete(`revoked/${serialKey(serial)}`); }
  listRevoked(): Promise<string[]> { return this.storage.list('revoked/'); }

  // ------------------------------------------------------------------ CRLs
  getCrl(id: string): Promise<Uint8Array | undefined> { return this.storage.get(`crls/${id}`); }
  putCrl(id: string, der: Uint8Array): Promise<void> { return this.storage.put(`crls/${id}`, der); }
  crlState() { return this.config<{ numbers: Record<string, number>; built: Record<string, number>; next: Record<string, number>; deltaBuilt: Record<string, number> }>('crl-state', { numbers: {}, built: {}, next: {}, deltaBuilt: {} }); }
  putCrlState(s: { numbers: Record<string, number>; built: Record<string, number>; next: Record<string, number>; deltaBuilt: Record<string, number> }) { return this.putConfig('crl-state', s); }

  /** Deletes every issuer, key and CRL (DELETE root). */
  async clearCA(): Promise<void> {
    await this.storage.clear('issuer/');
    await this.storage.clear('key/');
    await this.storage.clear('crls/');
    await this.storage.delete('config/issuers');
    await this.storage.delete('config/keys');
    await this.storage.delete('config/crl-state');
    this.issuers = undefined;
    this.keys = undefined;
    this.loaded.clear();
    for (const k of ['issuers', 'keys', 'crl-state']) this.configCache.delete(k);
  }
}
