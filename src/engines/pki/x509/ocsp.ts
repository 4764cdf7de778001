/** OCSP (RFC 6960): reading a request's CertID, writing signed basic responses and error responses. */
import { createHash } from 'node:crypto';
import { OID } from './oids.js';
import type { Signer } from './keys.js';
import {
  bitString, children, content, enumerated, explicit, generalizedTime, implicitCons, implicitPrim, nullValue, octets, oid,
  parseTop, readOid, readUint, seq, TAG, uintBytes,
} from './der.js';

export interface OcspCertId {
  hashAlg: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  serial: Buffer;
}

const HASHES: Record<string, OcspCertId['hashAlg']> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const HASH_OIDS: Record<OcspCertId['hashAlg'], string> = { sha1: OID.sha1, sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };

export class OcspParseError extends Error {}

/** The first request's CertID (Go's ocsp.ParseRequest looks at no other). */
export function parseOcspRequest(der: Buffer): OcspCertId {
  try {
    const [tbs] = children(parseTop(der));
    if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new OcspParseError('not an OCSP request');
    const list = children(tbs).find((c) => c.tag === TAG.SEQUENCE);
    const first = list ? children(list)[0] : undefined;
    if (!first) throw new OcspParseError('OCSP request contains no request body');
    const [alg, nameHash, keyHash, serial] = children(children(first)[0]!);
    const hashAlg = HASHES[readOid(children(alg!)[0]!)];
    if (!hashAlg) throw new OcspParseError('OCSP request uses unknown hash function');
    return { hashAlg, issuerNameHash: Buffer.from(content(nameHash!)), issuerKeyHash: Buffer.from(content(keyHash!)), serial: Buffer.from(readUint(serial!)) };
  } catch (e) {
    if (e instanceof OcspParseError) throw e;
    throw new OcspParseError(`malformed OCSP request: ${(e as Error).message}`);
  }
}

export const hashWith = (alg: string, data: Uint8Array): Buffer => createHash(alg).update(data).digest();

export type OcspStatus = { status: 'good' } | { status: 'revoked'; revokedAt: number } | { status: 'unknown' };

export interface OcspResponseInput {
  certId: OcspCertId;
  status: OcspStatus;
  /** SHA-1 over the responder's public key bits (ResponderID byKey). */
  responderKeyHash: Buffer;
  thisUpdate: number;
  /** 0: no nextUpdate. */
  nextUpdate: number;
  producedAt: number;
}

export async function createOcspResponse(r: OcspResponseInput, signer: Signer): Promise<Buffer> {
  const id = r.certId;
  const certId = seq(seq(oid(HASH_OIDS[id.hashAlg]), nullValue()), octets(id.issuerNameHash), octets(id.issuerKeyHash), uintBytes(id.serial));
  const status = r.status.status === 'good' ? implicitPrim(0, Buffer.alloc(0))
    : r.status.status === 'revoked' ? implicitCons(1, generalizedTime(r.status.revokedAt))
      : implicitPrim(2, Buffer.alloc(0));
  const single = [certId, status, generalizedTime(r.thisUpdate)];
  if (r.nextUpdate) single.push(explicit(0, generalizedTime(r.nextUpdate)));
  const tbs = seq(explicit(2, octets(r.responderKeyHash)), generalizedTime(r.producedAt), seq(seq(...single)));
  const basic = seq(tbs, signer.algId, bitString(await signer.sign(tbs)));
  return seq(enumerated(0), explicit(0, seq(oid(OID.ocspBasic), octets(basic))));
}

export const OCSP_ERROR = { malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;

export const ocspErrorResponse = (code: number): Buffer => seq(enumerated(code));
