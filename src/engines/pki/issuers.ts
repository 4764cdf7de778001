/**
 * Issuers and keys as a set: adding keys and CA certificates (generated or imported),
 * matching them up by public key, computing every issuer's chain, and keeping the
 * default issuer and default key as Vault does.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { badRequest } from '../../lib/errors.js';
import type { PkiStore } from './store.js';
import type { IssuerEntry, KeyEntry } from './types.js';
import { keyInfo, spkiDer } from './x509/keys.js';
import { parseCertificate, serialToColon, type ParsedCert } from './x509/parse.js';
import { certPem, decodePem } from './x509/pem.js';
import { KU } from './x509/oids.js';
import { verifySignature, publicKeyFromSpki } from './x509/keys.js';

const NAME = /^\w(([\w.-]+)?\w)?$/;

/** Vault's rules for a new issuer or key name: empty allowed, else valid, not `default`, unused. */
export async function checkNewName(store: PkiStore, kind: 'issuer' | 'key', raw: string | undefined, selfId = ''): Promise<string> {
  if (raw === undefined) return '';
  const name = raw.trim();
  if (!name) throw badRequest(`expected non-empty ${kind} name`);
  if (name.toLowerCase() === 'default') throw badRequest(`reserved keyword 'default' can not be used as ${kind} name`);
  if (!NAME.test(name)) throw badRequest(`${kind} name contained invalid characters`);
  const existing = kind === 'issuer' ? await store.resolveIssuerRef(name) : await store.resolveKeyRef(name);
  if (existing && existing !== selfId) throw badRequest(`${kind} name already in use`);
  return name;
}

const spkiOfKey = (k: KeyEntry) => spkiDer(createPrivateKey(k.private_key));

/** Stores a key unless an identical one exists; links it to keyless issuers with the same public key. */
export async function importKey(store: PkiStore, key: KeyObject, name: string): Promise<{ entry: KeyEntry; existing: boolean }> {
  const spki = spkiDer(key);
  for (const k of await store.listKeys()) {
    if (spkiOfKey(k).equals(spki)) return { entry: k, existing: true };
  }
  const info = keyInfo(key);
  const entry: KeyEntry = { id: randomUUID(), name, type: info.type, bits: info.bits, private_key: key.export({ type: 'pkcs8', format: 'pem' }) as string };
  await store.putKey(entry);
  for (const i of await store.listIssuers()) {
    if (!i.key_id && parseCertificate(decodePem(i.certificate)[0]!.der).spki.equals(spki)) await store.putIssuer({ ...i, key_id: entry.id });
  }
  const cfg = await store.keysConfig();
  if (!cfg.default || !(await store.getKey(cfg.default))) await store.putKeysConfig({ default: entry.id });
  return { entry, existing: false };
}

export interface NewIssuerOptions {
  name?: string;
  revocationSignatureAlgorithm?: string;
}

/** Adds a CA certificate as an issuer (or finds the identical one); Vault's importIssuer. */
export async function importIssuer(store: PkiStore, der: Buffer, opts: NewIssuerOptions = {}): Promise<{ entry: IssuerEntry; existing: boolean }> {
  let cert: ParsedCert;
  try { cert = parseCertificate(der); } catch (e) { throw badRequest(`unable to parse certificate: ${(e as Error).message}`); }
  if (!cert.basicConstraintsValid || !cert.isCA) throw badRequest('Refusing to import non-CA certificate');
  const pem = certPem(der);
  const known = await store.listIssuers();
  for (const i of known) if (i.certificate === pem) return { entry: i, existing: true };
  let keyId = '';
  for (const k of await store.listKeys()) if (spkiOfKey(k).equals(cert.spki)) { keyId = k.id; break; }
  const usage = ['crl-signing', 'issuing-certificates', 'ocsp-signing', 'read-only'].filter((u) => u !== 'crl-signing' || ((cert.keyUsage ?? 0) & KU.crlSign));
  const entry: IssuerEntry = {
    id: randomUUID(), name: opts.name ?? '', key_id: keyId, certificate: pem, ca_chain: [pem], manual_chain: [],
    leaf_not_after_behavior: 'err', usage, revocation_signature_algorithm: opts.revocationSignatureAlgorithm ?? '',
    revoked: false, revocation_time: 0, revocation_time_utc: '',
    issuing_certificates: [], crl_distribution_points: [], ocsp_servers: [], enable_aia_url_templating: false,
    serial_number: serialToColon(cert.serial), created: Date.now() + known.length / 1000,
  };
  await store.putIssuer(entry);
  const cfg = await store.issuersConfig();
  const defaultSet = !!cfg.default && !!(await store.getIssuer(cfg.default));
  if ((!defaultSet || known.length === 0) && keyId) await store.putIssuersConfig({ ...cfg, default: entry.id });
  return { entry, existing: false };
}

function signedBy(child: ParsedCert, parent: ParsedCert): boolean {
  if (!child.issuer.der.equals(parent.subject.der)) return false;
  try {
    return verifySignature(child.sigAlg, child.tbs, child.signature, publicKeyFromSpki(parent.spki));
  } catch {
    return false;
  }
}

/** Recomputes `ca_chain` of every issuer: itself, then parents breadth-first (or its manual chain). */
export async function rebuildChains(store: PkiStore): Promise<void> {
  const issuers = await store.listIssuers();
  const parsed = new Map(issuers.map((i) => [i.id, parseCertificate(decodePem(i.certificate)[0]!.der)]));
  const parents = new Map<string, string[]>();
  for (const i of issuers) {
    const c = parsed.get(i.id)!;
    const selfSigned = signedBy(c, c);
    parents.set(i.id, selfSigned ? [] : issuers.filter((p) => p.id !== i.id && signedBy(c, parsed.get(p.id)!)).map((p) => p.id));
  }
  const byId = new Map(issuers.map((i) => [i.id, i]));
  for (const i of issuers) {
    let ids: string[];
    if (i.manual_chain.length) ids = i.manual_chain.filter((id) => byId.has(id));
    else {
      ids = [i.id];
      for (let k = 0; k < ids.length; k++) for (const p of parents.get(ids[k]!) ?? []) if (!ids.includes(p)) ids.push(p);
    }
    const chain = ids.map((id) => byId.get(id)!.certificate);
    if (JSON.stringify(chain) !== JSON.stringify(i.ca_chain)) await store.putIssuer({ ...i, ca_chain: chain });
  }
}

/** Usage strings sorted as Vault prints them. */
export function usageString(usage: string[]): string {
  return [...usage].sort().join(',');
}

export function parseUsage(list: string[]): string[] {
  const out = new Set<string>();
  for (const u of list) {
    const v = u.trim().toLowerCase();
    if (!['read-only', 'issuing-certificates', 'crl-signing', 'ocsp-signing'].includes(v)) throw badRequest(`unable to parse specified usages: unknown usage: ${u}`);
    out.add(v);
  }
  return [...out].sort();
}
