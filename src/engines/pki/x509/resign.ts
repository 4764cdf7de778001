/**
 * Re-signing a certificate under another issuer while keeping everything else as it is
 * (Vault's sign-self-issued): only the issuer name, the signature algorithm, the authority
 * key identifier and the AIA/CRL URLs change.
 */
import { OID } from './oids.js';
import { buildExtensions, signStructure, type AiaUrls } from './cert-builder.js';
import type { Signer } from './keys.js';
import { children, explicit, flatten, raw, read, readOid, seq, parseTop } from './der.js';

const REPLACED = new Set<string>([OID.authorityKeyId, OID.authorityInfoAccess, OID.crlDistributionPoints]);

export async function resignCertificate(der: Buffer, issuerName: Buffer, issuerKeyId: Buffer | undefined, aia: AiaUrls, signer: Signer): Promise<Buffer> {
  const [tbsNode] = children(parseTop(der));
  const f = children(tbsNode!);
  let i = 0;
  const version = f[0]!.tag === 0xa0 ? raw(f[i++]!) : undefined;
  const serial = raw(f[i++]!);
  i++; // old signature algorithm
  i++; // old issuer
  const validity = raw(f[i++]!);
  const subject = raw(f[i++]!);
  const spki = raw(f[i++]!);
  const rest = f.slice(i);
  const keptExts: Buffer[] = [];
  for (const n of rest) {
    if (n.tag !== 0xa3) continue;
    for (const e of children(children(n)[0]!)) {
      if (!REPLACED.has(readOid(children(e)[0]!))) keptExts.push(Buffer.from(raw(e)));
    }
  }
  // Only the replaced extensions are generated here; the builder orders them as Go would.
  const generated = buildExtensions({
    serial: Buffer.alloc(1), issuerName, subjectName: Buffer.from(subject), subjectIsEmpty: false, notBefore: 0, notAfter: 0,
    spki: Buffer.from(spki), isCA: false, keyUsage: 0, extKeyUsage: [], skid: Buffer.alloc(0), akid: issuerKeyId,
    sans: { dnsNames: [], emails: [], ips: [], uris: [], otherNames: [] }, aia,
  }).map((e) => (e instanceof Uint8Array ? e : flatten(e))).filter((e) => {
    const o = readOid(children(read(e))[0]!);
    return REPLACED.has(o);
  });
  const parts = [
    ...(version ? [Buffer.from(version)] : []), Buffer.from(serial), signer.algId, issuerName, Buffer.from(validity), Buffer.from(subject), Buffer.from(spki),
    ...rest.filter((n) => n.tag !== 0xa3).map((n) => Buffer.from(raw(n))),
  ];
  const exts = [...keptExts, ...generated];
  if (exts.length) parts.push(explicit(3, seq(...exts)));
  return signStructure(seq(...parts), signer);
}
