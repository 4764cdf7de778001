/**
 * The steps every path that signs a certificate shares: choosing the issuer, assembling the
 * template, signing, and shaping the response in the `format` asked for.
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { badRequest, CofferError } from '../../lib/errors.js';
import type { Creation } from './creation.js';
import type { LoadedIssuer, PkiStore } from './store.js';
import { createCertificate, type AiaUrls } from './x509/cert-builder.js';
import { keyIdOf, type Signer } from './x509/keys.js';
import { encodeName } from './x509/name.js';
import { certPem, decodePem } from './x509/pem.js';
import { parseCertificate, serialToColon, type Extension } from './x509/parse.js';

// Serials are drawn from a pool refilled 256 at a time: one CSPRNG call per 256 certificates
// instead of one each (each call costs ~5 µs). Bytes are never handed out twice.
let pool = Buffer.alloc(0);
let poolAt = 0;

/** A random serial in [0, 2^159), as Vault's certutil draws it. */
export function newSerial(): Buffer {
  if (poolAt + 20 > pool.length) {
    pool = randomBytes(20 * 256);
    poolAt = 0;
  }
  const b = Buffer.from(pool.subarray(poolAt, poolAt + 20));
  pool.fill(0, poolAt, poolAt + 20);
  poolAt += 20;
  b[0]! &= 0x7f;
  return b;
}

export const FORMATS = ['pem', 'der', 'pem_bundle'] as const;
export type Format = (typeof FORMATS)[number];

export function checkFormat(format: string): Format {
  if (!(FORMATS as readonly string[]).includes(format)) throw badRequest('the "format" path parameter must be "pem", "der", or "pem_bundle"');
  return format as Format;
}

/** Resolves an issuer reference for signing; Vault's errors when it does not resolve or cannot sign. */
export async function signingIssuer(store: PkiStore, ref: string, usage: 'issuing-certificates' | 'crl-signing' | 'ocsp-signing' = 'issuing-certificates'): Promise<LoadedIssuer> {
  const name = ref || 'default';
  const id = await store.resolveIssuerRef(name);
  if (!id) {
    const why = name === 'default' ? 'no default issuer currently configured' : `unable to find PKI issuer for reference: ${name}`;
    throw badRequest(`could not fetch the CA certificate (was one set?): ${why}`);
  }
  const issuer = (await store.loadIssuer(id))!;
  if (!issuer.entry.usage.includes(usage)) {
    throw badRequest(`could not fetch the CA certificate (was one set?): error while attempting to use issuer ${id}: requested usage ${usage} for issuer [${id}] [${issuer.entry.name}] but only had usage ${issuer.entry.usage.join(',')}`);
  }
  if (!issuer.key) {
    throw badRequest(`could not fetch the CA certificate (was one set?): unable to fetch corresponding key for issuer ${id}; unable to use this issuer for signing`);
  }
  return issuer;
}

export interface SignInput {
  creation: Creation;
  /** Subject DER to use as is (sign with use_csr_values); else built from creation.subject. */
  subjectDer?: Buffer;
  spki: Buffer;
  notBefore: number;
  notAfter: number;
  isCA: boolean;
  maxPathLen?: number;
  permittedDnsDomains?: string[];
  basicConstraintsForNonCA?: boolean;
  aia?: AiaUrls;
  extra?: Extension[];
  skid?: Buffer;
  /** Signs with this issuer; absent → self-signed with `selfSigner`. */
  issuer?: LoadedIssuer;
  selfSigner?: Signer;
  signatureBits?: number;
  usePss?: boolean;
}

export async function signCertificate(i: SignInput): Promise<{ der: Buffer; serial: string }> {
  const serial = newSerial();
  const subjectName = i.subjectDer ?? encodeName(i.creation.subject);
  const skid = i.skid?.length ? i.skid : keyIdOf(i.spki);
  const signer = i.issuer ? i.issuer.signer(i.signatureBits ?? 0, i.usePss ?? false) : i.selfSigner!;
  const der = await createCertificate({
    serial,
    issuerName: i.issuer ? i.issuer.cert.subject.der : subjectName,
    subjectName,
    subjectIsEmpty: subjectName.length <= 2,
    notBefore: i.notBefore,
    notAfter: i.notAfter,
    spki: i.spki,
    isCA: i.isCA,
    basicConstraintsForNonCA: i.basicConstraintsForNonCA,
    maxPathLen: i.maxPathLen,
    keyUsage: i.creation.keyUsage,
    extKeyUsage: i.creation.extKeyUsage,
    skid,
    akid: i.issuer ? i.issuer.cert.skid : skid,
    sans: i.creation.sans,
    permittedDnsDomains: i.permittedDnsDomains,
    policies: i.creation.policies,
    aia: i.aia,
    extra: i.extra,
  }, signer);
  return { der, serial: serialToColon(serial.subarray(serial.findIndex((b) => b !== 0))) };
}

/** The issuer's chain for responses: itself first, then its parents; self-signed roots dropped on request. */
export function chainFor(issuer: LoadedIssuer, removeRoots = false): string[] {
  if (!removeRoots) return issuer.entry.ca_chain;
  return issuer.entry.ca_chain.filter((pem) => {
    const der = decodePem(pem)[0]?.der;
    if (!der) return false;
    const c = parseCertificate(der);
    return !c.subject.der.equals(c.issuer.der);
  });
}

const b64 = (pem: string) => decodePem(pem)[0]!.der.toString('base64');

/** Vault's response data for issue/sign (format handling, chain, private key already in its response form). */
export function issuedData(opts: {
  der: Buffer; serial: string; issuer: LoadedIssuer; format: Format; removeRoots: boolean;
  key?: { type: string; encoded: string | Buffer };
}): Record<string, unknown> {
  const { der, issuer, format, key } = opts;
  const chain = chainFor(issuer, opts.removeRoots);
  const out: Record<string, unknown> = { serial_number: opts.serial };
  if (format === 'der') {
    out.certificate = der.toString('base64');
    out.issuing_ca = b64(issuer.entry.certificate);
    if (chain.length) out.ca_chain = chain.map(b64);
    if (key) out.private_key = Buffer.from(key.encoded).toString('base64');
  } else {
    const certificate = certPem(der);
    const keyPem = key ? String(key.encoded) : undefined;
    out.certificate = format === 'pem_bundle' ? [keyPem, certificate, ...chain].filter(Boolean).join('\n') : certificate;
    out.issuing_ca = issuer.entry.certificate;
    if (chain.length) out.ca_chain = chain;
    if (keyPem) out.private_key = keyPem;
  }
  if (key) out.private_key_type = key.type;
  return out;
}

export function keyTypeName(key: KeyObject): string {
  const t = key.asymmetricKeyType;
  return t === 'rsa' || t === 'rsa-pss' ? 'rsa' : t === 'ec' ? 'ec' : t === 'ed25519' ? 'ed25519' : String(t);
}

export function internalError(msg: string): CofferError {
  return new CofferError(500, msg);
}
