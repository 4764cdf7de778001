/**
 * Verifies a PKCS#7 / CMS SignedData with attached content (the EC2 instance identity document
 * from the metadata service's `pkcs7` or `rsa2048` path) against trusted certificates the
 * operator registered, and returns the signed content. Certificates embedded in the message are
 * ignored: only a registered certificate's key may vouch for the document (as in Vault).
 * Parsing is asn1js (BER, so indefinite lengths work); the signature check is node:crypto, which
 * handles AWS's DSA as well as RSA and ECDSA keys.
 */
import { createHash, verify, type X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { children, isContext, type Block } from '../../lib/asn1.js';

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
};

/** Signature algorithms that name their hash (otherwise the signer's digestAlgorithm is used). */
const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10040.4.3': 'sha1', '2.16.840.1.101.3.4.3.2': 'sha256',
  '1.2.840.10045.4.1': 'sha1', '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
};

export class Pkcs7Error extends Error {}
/** The input is not a SignedData at all (as opposed to one that does not verify). */
export class Pkcs7ParseError extends Pkcs7Error {}

const oid = (b: Block | undefined): string => (b instanceof asn1js.ObjectIdentifier ? b.valueBlock.toString() : '');

function octets(b: Block | undefined): Buffer {
  if (!(b instanceof asn1js.OctetString)) throw new Pkcs7Error('expected an OCTET STRING');
  return Buffer.from(b.getValue());
}

interface SignerInfo { digest: string; sigHash: string; signedAttrs?: { der: Buffer; attrs: Map<string, Block[]> }; signature: Buffer }

function parseSignerInfo(si: Block): SignerInfo {
  const parts = children(si);
  let i = 2; // version, sid
  const digest = HASHES[oid(children(parts[i++])[0])];
  if (!digest) throw new Pkcs7Error('unsupported digest algorithm');
  let signedAttrs: SignerInfo['signedAttrs'];
  if (isContext(parts[i], 0)) {
    const raw = Buffer.from((parts[i] as asn1js.BaseBlock).valueBeforeDecodeView);
    // Signed attributes are signed as a SET OF, not with their [0] IMPLICIT tag.
    const der = Buffer.concat([Buffer.from([0x31]), raw.subarray(1)]);
    const attrs = new Map<string, Block[]>();
    for (const a of children(parts[i])) {
      const [type, values] = children(a);
      attrs.set(oid(type), children(values));
    }
    signedAttrs = { der, attrs };
    i++;
  }
  const sigOid = oid(children(parts[i++])[0]);
  const signature = octets(parts[i]);
  return { digest, sigHash: SIGNATURE_HASHES[sigOid] ?? digest, signedAttrs, signature };
}

function asDate(b: Block | undefined): Date | undefined {
  if (b instanceof asn1js.UTCTime || b instanceof asn1js.GeneralizedTime) return b.toDate();
  return undefined;
}

/**
 * Returns the content of a SignedData signed by one of `trusted`; throws Pkcs7Error otherwise.
 * `der` is the BER/DER ContentInfo.
 */
export function verifySignedData(der: Buffer, trusted: X509Certificate[]): Buffer {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  if (parsed.offset === -1) throw new Pkcs7ParseError('failed to parse the BER encoded PKCS#7 signature');
  const [type, wrapped] = children(parsed.result);
  if (oid(type) !== OID_SIGNED_DATA || !isContext(wrapped, 0)) throw new Pkcs7ParseError('failed to parse the BER encoded PKCS#7 signature');
  const sd = children(children(wrapped)[0]);
  const encap = children(sd[2]);
  const eContentType = oid(encap[0]);
  if (!isContext(encap[1], 0)) throw new Pkcs7Error('instance identity document could not be found in the signature');
  const content = octets(children(encap[1])[0]);
  const signerInfos = children(sd[sd.length - 1]);
  if (!signerInfos.length) throw new Pkcs7Error('no signer');

  for (const si of signerInfos) {
    const info = parseSignerInfo(si);
    let signed = content;
    let signingTime: Date | undefined;
    if (info.signedAttrs) {
      const md = info.signedAttrs.attrs.get(OID_MESSAGE_DIGEST)?.[0];
      if (!md || !createHash(info.digest).update(content).digest().equals(octets(md))) throw new Pkcs7Error('message digest mismatch');
      const ct = info.signedAttrs.attrs.get(OID_CONTENT_TYPE)?.[0];
      if (ct && oid(ct) !== eContentType) throw new Pkcs7Error('content type mismatch');
      signingTime = asDate(info.signedAttrs.attrs.get(OID_SIGNING_TIME)?.[0]);
      signed = info.signedAttrs.der;
    }
    for (const cert of trusted) {
      let ok = false;
      try {
        ok = verify(info.sigHash, signed, cert.publicKey, info.signature);
      } catch {
        ok = false; // a key of another type than the signature's
      }
      if (!ok) continue;
      if (signingTime && (signingTime < new Date(cert.validFrom) || signingTime > new Date(cert.validTo))) {
        throw new Pkcs7Error(`signing time ${signingTime.toISOString()} is outside of certificate validity`);
      }
      return content;
    }
  }
  throw new Pkcs7Error('no registered certificate verifies the signature');
}
