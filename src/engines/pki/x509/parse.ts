/**
 * Reading certificates and certificate requests: only what the engine looks at (names, keys,
 * validity, the usual extensions), straight from the DER.
 */
import { OID } from './oids.js';
import { parseName, type ParsedName } from './name.js';
import {
  children, content, DerError, parseTop, raw, read, readBitString, readNamedBits, readOid, readSmallInt,
  readString, readTime, readUint, TAG, type Node,
} from './der.js';

export interface Extension { oid: string; critical: boolean; value: Buffer }

export interface SANs {
  dnsNames: string[];
  emails: string[];
  ips: string[];
  uris: string[];
  otherNames: { oid: string; value: string }[];
}

export interface ParsedCert extends SANs {
  der: Buffer;
  tbs: Buffer;
  sigAlg: Node;
  signature: Buffer;
  /** Serial magnitude bytes (no sign byte). */
  serial: Buffer;
  issuer: ParsedName;
  subject: ParsedName;
  notBefore: number;
  notAfter: number;
  spki: Buffer;
  extensions: Extension[];
  basicConstraintsValid: boolean;
  isCA: boolean;
  /** -1 when absent. */
  maxPathLen: number;
  keyUsage?: number;
  extKeyUsage: string[];
  skid?: Buffer;
  akid?: Buffer;
}

export interface ParsedCSR extends SANs {
  der: Buffer;
  info: Buffer;
  sigAlg: Node;
  signature: Buffer;
  subject: ParsedName;
  spki: Buffer;
  extensions: Extension[];
  hasBasicConstraints: boolean;
}

function parseExtensions(list: Node): Extension[] {
  return children(list).map((e) => {
    const parts = children(e);
    const critical = parts.length === 3 && content(parts[1]!)[0] !== 0;
    return { oid: readOid(parts[0]!), critical, value: Buffer.from(content(parts[parts.length - 1]!)) };
  });
}

export function formatIP(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) return b.toString('hex');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return [...b.subarray(12)].join('.');
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseSANs(value: Buffer): SANs {
  const out: SANs = { dnsNames: [], emails: [], ips: [], uris: [], otherNames: [] };
  for (const gn of children(parseTop(value))) {
    const v = content(gn);
    switch (gn.tag) {
      case 0x81: out.emails.push(v.toString('utf8')); break;
      case 0x82: out.dnsNames.push(v.toString('utf8')); break;
      case 0x86: out.uris.push(v.toString('utf8')); break;
      case 0x87: out.ips.push(formatIP(Buffer.from(v))); break;
      case 0xa0: {
        const [typeId, val] = children(gn);
        if (!typeId || !val) throw new DerError('malformed otherName');
        const inner = children(val)[0];
        if (!inner || inner.tag !== TAG.UTF8) throw new DerError('could not parse otherName value as UTF8String');
        out.otherNames.push({ oid: readOid(typeId), value: readString(inner) });
        break;
      }
      default: break;
    }
  }
  return out;
}

function applyExtensions(target: Partial<ParsedCert>, exts: Extension[]): void {
  for (const e of exts) {
    switch (e.oid) {
      case OID.subjectAltName: Object.assign(target, parseSANs(e.value)); break;
      case OID.basicConstraints: {
        target.basicConstraintsValid = true;
        for (const c of children(parseTop(e.value))) {
          if (c.tag === TAG.BOOLEAN) target.isCA = content(c)[0] !== 0;
          else if (c.tag === TAG.INTEGER) target.maxPathLen = readSmallInt(c);
        }
        break;
      }
      case OID.keyUsage: target.keyUsage = readNamedBits(parseTop(e.value)); break;
      case OID.extKeyUsage: target.extKeyUsage = children(parseTop(e.value)).map(readOid); break;
      case OID.subjectKeyId: target.skid = Buffer.from(content(parseTop(e.value))); break;
      case OID.authorityKeyId: {
        const kid = children(parseTop(e.value)).find((c) => c.tag === 0x80);
        if (kid) target.akid = Buffer.from(content(kid));
        break;
      }
      default: break;
    }
  }
}

export function parseCertificate(der: Buffer | Uint8Array): ParsedCert {
  const buf = Buffer.from(der);
  const top = parseTop(buf);
  const [tbsNode, sigAlg, sigVal] = children(top);
  if (!tbsNode || !sigAlg || !sigVal || tbsNode.tag !== TAG.SEQUENCE) throw new DerError('not a certificate');
  const f = children(tbsNode);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++;
  const serialNode = f[i++]!;
  i++; // inner signature algorithm
  const issuer = parseName(f[i++]!);
  const [nb, na] = children(f[i++]!);
  const subject = parseName(f[i++]!);
  const spki = Buffer.from(raw(f[i++]!));
  let extensions: Extension[] = [];
  for (; i < f.length; i++) if (f[i]!.tag === 0xa3) extensions = parseExtensions(children(f[i]!)[0]!);
  const cert: ParsedCert = {
    der: buf, tbs: Buffer.from(raw(tbsNode)), sigAlg, signature: readBitString(sigVal),
    serial: Buffer.from(readUint(serialNode)), issuer, subject, notBefore: readTime(nb!), notAfter: readTime(na!), spki, extensions,
    basicConstraintsValid: false, isCA: false, maxPathLen: -1, extKeyUsage: [],
    dnsNames: [], emails: [], ips: [], uris: [], otherNames: [],
  };
  applyExtensions(cert, extensions);
  return cert;
}

export function parseCSR(der: Buffer | Uint8Array): ParsedCSR {
  const buf = Buffer.from(der);
  const top = parseTop(buf);
  const [info, sigAlg, sigVal] = children(top);
  if (!info || !sigAlg || !sigVal) throw new DerError('not a certificate request');
  const f = children(info);
  const subject = parseName(f[1]!);
  const spki = Buffer.from(raw(f[2]!));
  let extensions: Extension[] = [];
  const attrs = f[3];
  if (attrs && attrs.tag === 0xa0) {
    for (const a of children(attrs)) {
      const [type, values] = children(a);
      if (readOid(type!) === OID.extensionRequest) {
        const first = children(values!)[0];
        if (first) extensions = parseExtensions(first);
      }
    }
  }
  const csr: ParsedCSR = {
    der: buf, info: Buffer.from(raw(info)), sigAlg, signature: readBitString(sigVal), subject, spki, extensions,
    hasBasicConstraints: extensions.some((e) => e.oid === OID.basicConstraints),
    dnsNames: [], emails: [], ips: [], uris: [], otherNames: [],
  };
  const san = extensions.find((e) => e.oid === OID.subjectAltName);
  if (san) Object.assign(csr, parseSANs(san.value));
  return csr;
}

/** Lowercase colon-separated hex of the serial's magnitude, Vault's display form. */
export const serialToColon = (serial: Buffer): string => serial.toString('hex').replace(/(..)(?!$)/g, '$1:');

/** Checks that a Node-level read of a whole DER value works (used to validate user input early). */
export function isDer(buf: Buffer): boolean {
  try { return read(buf).end === buf.length; } catch { return false; }
}
