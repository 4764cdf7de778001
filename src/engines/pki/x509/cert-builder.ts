/**
 * Building and signing X.509 v3 certificates. Extensions are written in the order Go's
 * x509.CreateCertificate writes them, with the same criticality, so certificates look like
 * Vault's to every tool that inspects them.
 */
import { isIP } from 'node:net';
import { OID } from './oids.js';
import type { Signer } from './keys.js';
import { bitString, bool, explicit, flatten, ia5, implicitCons, implicitPrim, int, lazy, lseq, namedBits, octets, oid, seq, TAG, time, uintBytes, utf8, type Lazy } from './der.js';

export interface PolicyInfo { oid: string; cps?: string; notice?: string }

export interface AiaUrls {
  issuingCertificates: string[];
  crlDistributionPoints: string[];
  ocspServers: string[];
}

export interface SanInput {
  dnsNames: string[];
  emails: string[];
  ips: string[];
  uris: string[];
  otherNames: { oid: string; value: string }[];
}

export interface CertTemplate {
  serial: Buffer;
  issuerName: Buffer;
  subjectName: Buffer;
  subjectIsEmpty: boolean;
  notBefore: number;
  notAfter: number;
  spki: Buffer;
  isCA: boolean;
  /** Write BasicConstraints for a non-CA (Vault's basic_constraints_valid_for_non_ca). */
  basicConstraintsForNonCA?: boolean;
  /** -1: no limit; 0: MaxPathLenZero. Only for CAs. */
  maxPathLen?: number;
  keyUsage: number;
  extKeyUsage: string[];
  skid: Buffer;
  akid?: Buffer;
  sans: SanInput;
  permittedDnsDomains?: string[];
  policies?: PolicyInfo[];
  aia?: AiaUrls;
  /** Extensions copied as they are (sign with use_csr_values); they replace generated ones with the same OID. */
  extra?: { oid: string; critical: boolean; value: Buffer }[];
}

/** An extension, not yet written out (see der.ts `lazy`). */
const ext = (id: string, critical: boolean, value: Lazy | Uint8Array): Lazy =>
  critical ? lseq(oid(id), bool(true), lazy(TAG.OCTET_STRING, [value])) : lseq(oid(id), lazy(TAG.OCTET_STRING, [value]));

/**
 * Extensions that repeat from one certificate to the next (a role's usages and policies, an
 * issuer's key id and URLs) are encoded once and reused: issuing is the hot path.
 */
const memo = new Map<string, Buffer>();
function memoExt(key: string, build: () => Lazy): Buffer {
  let v = memo.get(key);
  if (!v) {
    if (memo.size > 2000) memo.clear();
    v = flatten(build());
    memo.set(key, v);
  }
  return v;
}

export function ipBytes(ip: string): Buffer {
  const v = isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map(Number));
  if (v !== 6) throw new Error(`invalid IP ${ip}`);
  let s = ip;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = s.split('::');
  const h = head ? head.split(':') : [];
  const r = rest !== undefined ? (rest ? rest.split(':') : []) : [];
  const groups = rest !== undefined ? [...h, ...Array(8 - h.length - r.length).fill('0'), ...r] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) Buffer.from(tail).copy(out, 12);
  return out;
}

function sanNames(s: SanInput): Lazy {
  const names: (Lazy | Uint8Array)[] = [];
  // Go writes DNS names, then emails, then IPs, then URIs; other names come after (Vault adds them).
  for (const d of s.dnsNames) names.push(implicitPrim(2, Buffer.from(d, 'ascii')));
  for (const e of s.emails) names.push(implicitPrim(1, Buffer.from(e, 'utf8')));
  for (const ip of s.ips) {
    const b = ipBytes(ip);
    const v4mapped = b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
    names.push(implicitPrim(7, v4mapped ? b.subarray(12) : b));
  }
  for (const u of s.uris) names.push(implicitPrim(6, Buffer.from(u, 'utf8')));
  for (const o of s.otherNames) names.push(implicitCons(0, Buffer.concat([oid(o.oid), explicit(0, utf8(o.value))])));
  return lazy(TAG.SEQUENCE, names);
}

export const encodeSANs = (s: SanInput): Buffer => flatten(sanNames(s));

const hasSans = (s: SanInput) => s.dnsNames.length + s.emails.length + s.ips.length + s.uris.length + s.otherNames.length > 0;

function policiesExt(policies: PolicyInfo[]): Buffer {
  return seq(...policies.map((p) => {
    const quals: Buffer[] = [];
    if (p.cps) quals.push(seq(oid(OID.policyQualifierCps), ia5(p.cps)));
    if (p.notice) quals.push(seq(oid(OID.policyQualifierUnotice), seq(utf8(p.notice))));
    return quals.length ? seq(oid(p.oid), seq(...quals)) : seq(oid(p.oid));
  }));
}

export function buildExtensions(t: CertTemplate): (Lazy | Buffer)[] {
  const overridden = new Set((t.extra ?? []).map((e) => e.oid));
  const exts: (Lazy | Buffer)[] = [];
  const push = (id: string, e: Lazy | Buffer) => { if (!overridden.has(id)) exts.push(e); };
  if (t.keyUsage) push(OID.keyUsage, memoExt(`ku:${t.keyUsage}`, () => ext(OID.keyUsage, true, namedBits(t.keyUsage))));
  if (t.extKeyUsage.length) push(OID.extKeyUsage, memoExt(`eku:${t.extKeyUsage.join()}`, () => ext(OID.extKeyUsage, false, seq(...t.extKeyUsage.map(oid)))));
  if (t.isCA) {
    const pathLen = t.maxPathLen ?? -1;
    push(OID.basicConstraints, ext(OID.basicConstraints, true, pathLen >= 0 ? seq(bool(true), int(pathLen)) : seq(bool(true))));
  } else if (t.basicConstraintsForNonCA) {
    push(OID.basicConstraints, ext(OID.basicConstraints, true, seq()));
  }
  push(OID.subjectKeyId, ext(OID.subjectKeyId, false, octets(t.skid)));
  if (t.akid?.length) push(OID.authorityKeyId, memoExt(`akid:${t.akid.toString('hex')}`, () => ext(OID.authorityKeyId, false, seq(implicitPrim(0, t.akid!)))));
  const aia = t.aia;
  if (aia && (aia.ocspServers.length || aia.issuingCertificates.length)) {
    push(OID.authorityInfoAccess, memoExt(`aia:${JSON.stringify([aia.ocspServers, aia.issuingCertificates])}`, () => ext(OID.authorityInfoAccess, false, seq(
      ...aia.ocspServers.map((u) => seq(oid(OID.aiaOcsp), implicitPrim(6, Buffer.from(u)))),
      ...aia.issuingCertificates.map((u) => seq(oid(OID.aiaCaIssuers), implicitPrim(6, Buffer.from(u)))),
    ))));
  }
  if (hasSans(t.sans)) push(OID.subjectAltName, ext(OID.subjectAltName, t.subjectIsEmpty, sanNames(t.sans)));
  if (t.permittedDnsDomains?.length) {
    const subtrees = t.permittedDnsDomains.map((d) => seq(implicitPrim(2, Buffer.from(d))));
    push(OID.nameConstraints, ext(OID.nameConstraints, true, seq(implicitCons(0, Buffer.concat(subtrees)))));
  }
  if (aia?.crlDistributionPoints.length) {
    push(OID.crlDistributionPoints, memoExt(`crldp:${JSON.stringify(aia.crlDistributionPoints)}`, () => ext(OID.crlDistributionPoints, false, seq(
      ...aia.crlDistributionPoints.map((u) => seq(implicitCons(0, implicitCons(0, implicitPrim(6, Buffer.from(u)))))),
    ))));
  }
  if (t.policies?.length) push(OID.certificatePolicies, memoExt(`pol:${JSON.stringify(t.policies)}`, () => ext(OID.certificatePolicies, false, policiesExt(t.policies!))));
  for (const e of t.extra ?? []) exts.push(ext(e.oid, e.critical, e.value));
  return exts;
}

const VERSION_3 = explicit(0, int(2));

export function buildTbs(t: CertTemplate, signer: Signer): Buffer {
  return flatten(lseq(
    VERSION_3,
    uintBytes(t.serial),
    signer.algId,
    t.issuerName,
    lseq(time(t.notBefore), time(t.notAfter)),
    t.subjectName,
    t.spki,
    lazy(0xa3, [lazy(TAG.SEQUENCE, buildExtensions(t))]),
  ));
}

/** Signs a TBS structure (certificate, CRL or CSR info) and wraps it with the algorithm and signature. */
export async function signStructure(tbs: Buffer, signer: Signer): Promise<Buffer> {
  const sig = await signer.sign(tbs);
  return seq(tbs, signer.algId, bitString(sig));
}

export async function createCertificate(t: CertTemplate, signer: Signer): Promise<Buffer> {
  return signStructure(buildTbs(t, signer), signer);
}
