/**
 * Distinguished names: built in the order Go's pkix.Name.ToRDNSequence uses (so Coffer's
 * subjects look like Vault's byte for byte), and read back into attributes.
 */
import { OID } from './oids.js';
import { children, content, oid, printable, readOid, readString, raw, seq, setOf, utf8, type Node } from './der.js';

export interface SubjectInput {
  commonName?: string;
  serialNumber?: string;
  country?: string[];
  province?: string[];
  locality?: string[];
  streetAddress?: string[];
  postalCode?: string[];
  organization?: string[];
  ou?: string[];
  /** Extra single-valued RDNs appended at the end (UIDs). */
  extra?: { oid: string; value: string }[];
}

// Go marshals a string as PrintableString when every character allows it, else UTF8String.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
export const directoryString = (s: string): Buffer => (PRINTABLE.test(s) ? printable(s) : utf8(s));

const atv = (type: string, value: string) => seq(oid(type), directoryString(value));

export function encodeName(s: SubjectInput): Buffer {
  const rdns: Buffer[] = [];
  const multi = (values: string[] | undefined, type: string) => {
    if (values?.length) rdns.push(setOf(...values.map((v) => atv(type, v))));
  };
  multi(s.country, OID.country);
  multi(s.province, OID.province);
  multi(s.locality, OID.locality);
  multi(s.streetAddress, OID.streetAddress);
  multi(s.postalCode, OID.postalCode);
  multi(s.organization, OID.organization);
  multi(s.ou, OID.organizationalUnit);
  if (s.commonName) multi([s.commonName], OID.commonName);
  if (s.serialNumber) multi([s.serialNumber], OID.serialNumber);
  for (const e of s.extra ?? []) rdns.push(setOf(atv(e.oid, e.value)));
  return seq(...rdns);
}

export interface NameAttr { oid: string; value: string }

export interface ParsedName {
  der: Buffer;
  attrs: NameAttr[];
}

export function parseName(n: Node): ParsedName {
  const attrs: NameAttr[] = [];
  for (const rdn of children(n)) {
    for (const a of children(rdn)) {
      const [t, v] = children(a);
      if (!t || !v) continue;
      let value: string;
      try { value = readString(v); } catch { value = content(v).toString('hex'); }
      attrs.push({ oid: readOid(t), value });
    }
  }
  return { der: Buffer.from(raw(n)), attrs };
}

export const firstAttr = (n: ParsedName, type: string): string => n.attrs.find((a) => a.oid === type)?.value ?? '';
export const allAttrs = (n: ParsedName, type: string): string[] => n.attrs.filter((a) => a.oid === type).map((a) => a.value);

const SHORT: Record<string, string> = {
  [OID.commonName]: 'CN', [OID.country]: 'C', [OID.province]: 'ST', [OID.locality]: 'L', [OID.streetAddress]: 'STREET',
  [OID.organization]: 'O', [OID.organizationalUnit]: 'OU', [OID.postalCode]: 'POSTALCODE', [OID.serialNumber]: 'SERIALNUMBER',
  [OID.userId]: 'UID',
};

/** Go's pkix.Name.String() style (most specific first), for messages and listings. */
export function nameToString(n: ParsedName): string {
  return [...n.attrs].reverse().map((a) => `${SHORT[a.oid] ?? a.oid}=${a.value.replace(/([,+"\\<>;])/g, '\\$1')}`).join(',');
}

export function subjectFromName(n: ParsedName): SubjectInput {
  return {
    commonName: firstAttr(n, OID.commonName), serialNumber: firstAttr(n, OID.serialNumber),
    country: allAttrs(n, OID.country), province: allAttrs(n, OID.province), locality: allAttrs(n, OID.locality),
    streetAddress: allAttrs(n, OID.streetAddress), postalCode: allAttrs(n, OID.postalCode),
    organization: allAttrs(n, OID.organization), ou: allAttrs(n, OID.organizationalUnit),
  };
}
