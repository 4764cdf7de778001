/** Version 2 CRLs as Go's x509.CreateRevocationList writes them: AKID and CRL number, no reasons. */
import { OID } from './oids.js';
import { signStructure } from './cert-builder.js';
import type { Signer } from './keys.js';
import { bool, explicit, implicitPrim, int, octets, oid, seq, time, uintBytes } from './der.js';

export interface CrlEntry { serial: Buffer; revokedAt: number }

export interface CrlInput {
  issuerName: Buffer;
  issuerKeyId?: Buffer;
  thisUpdate: number;
  nextUpdate: number;
  number: number;
  entries: CrlEntry[];
  /** For a delta CRL: the number of the complete CRL it extends. */
  deltaBase?: number;
}

export function createCRL(input: CrlInput, signer: Signer): Promise<Buffer> {
  const exts: Buffer[] = [];
  if (input.issuerKeyId?.length) exts.push(seq(oid(OID.authorityKeyId), octets(seq(implicitPrim(0, input.issuerKeyId)))));
  exts.push(seq(oid(OID.crlNumber), octets(int(input.number))));
  if (input.deltaBase !== undefined) exts.push(seq(oid(OID.deltaCrlIndicator), bool(true), octets(int(input.deltaBase))));
  const parts = [int(1), signer.algId, input.issuerName, time(input.thisUpdate), time(input.nextUpdate)];
  if (input.entries.length) parts.push(seq(...input.entries.map((e) => seq(uintBytes(e.serial), time(e.revokedAt)))));
  parts.push(explicit(0, seq(...exts)));
  return signStructure(seq(...parts), signer);
}
