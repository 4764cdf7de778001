/** Certificate signing requests: building one for a new intermediate, checking one given to us. */
import { OID } from './oids.js';
import { encodeSANs, signStructure, type SanInput } from './cert-builder.js';
import { publicKeyFromSpki, verifySignature, type Signer } from './keys.js';
import { bool, implicitCons, int, octets, oid, seq, setOf } from './der.js';
import type { ParsedCSR } from './parse.js';

export async function createCSR(opts: { subjectName: Buffer; spki: Buffer; sans: SanInput; addBasicConstraints: boolean; signer: Signer }): Promise<Buffer> {
  const exts: Buffer[] = [];
  const s = opts.sans;
  if (s.dnsNames.length + s.emails.length + s.ips.length + s.uris.length + s.otherNames.length) {
    exts.push(seq(oid(OID.subjectAltName), octets(encodeSANs(s))));
  }
  if (opts.addBasicConstraints) exts.push(seq(oid(OID.basicConstraints), bool(true), octets(seq(bool(true)))));
  const attrs = exts.length ? seq(oid(OID.extensionRequest), setOf(seq(...exts))) : Buffer.alloc(0);
  const info = seq(int(0), opts.subjectName, opts.spki, implicitCons(0, attrs));
  return signStructure(info, opts.signer);
}

/** Checks the CSR's self-signature; false for unknown key or signature algorithms. */
export function csrSignatureValid(csr: ParsedCSR): boolean {
  try {
    return verifySignature(csr.sigAlg, csr.info, csr.signature, publicKeyFromSpki(csr.spki));
  } catch {
    return false;
  }
}
