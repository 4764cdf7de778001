/**
 * Certificate extensions the way Vault's cert auth reads them for `required_extensions` and
 * `allowed_metadata_extensions`: each extension's value is decoded as an ASN.1 string
 * (UTF8String, PrintableString, IA5String, T61String, NumericString, BMPString); a value of
 * another type reads as "" but the extension still counts as present. Also the subject and
 * authority key identifiers for the login metadata.
 */
import * as asn1js from 'asn1js';
import { children, isContext } from '../../lib/asn1.js';
import { globMatch } from '../../lib/glob.js';

/** A certificate's extensions, parsed once per login: OID → the DER inside extnValue. */
export type Extensions = Map<string, ArrayBuffer>;

export function certExtensions(der: Uint8Array): Extensions {
  const out: Extensions = new Map();
  const { offset, result } = asn1js.fromBER(new Uint8Array(der).buffer);
  if (offset === -1) return out;
  const wrapper = children(children(result)[0]).find((b) => isContext(b, 3));
  for (const ext of children(children(wrapper)[0])) {
    const parts = children(ext);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (id instanceof asn1js.ObjectIdentifier && value instanceof asn1js.OctetString) out.set(id.valueBlock.toString(), value.getValue());
  }
  return out;
}

const STRING_TYPES = [asn1js.Utf8String, asn1js.PrintableString, asn1js.IA5String, asn1js.TeletexString, asn1js.NumericString, asn1js.BmpString];

function asString(value: ArrayBuffer): string {
  const { offset, result } = asn1js.fromBER(value);
  if (offset === -1) return '';
  return STRING_TYPES.some((t) => result instanceof t) ? (result as asn1js.Utf8String).valueBlock.value : '';
}

/** OID → string value of every extension. */
export function extensionStrings(exts: Extensions): Map<string, string> {
  return new Map([...exts].map(([oid, v]) => [oid, asString(v)]));
}

/** Every "oid:glob" must name an extension of the certificate whose value the glob matches. */
export function hasRequiredExtensions(required: string[], exts: Map<string, string>): boolean {
  return required.every((r) => {
    const colon = r.indexOf(':');
    const value = colon === -1 ? undefined : exts.get(r.slice(0, colon));
    return value !== undefined && globMatch(r.slice(colon + 1), value);
  });
}

/** Metadata from the allowed extensions the certificate has, keyed by the OID with dashes. */
export function extensionMetadata(allowed: string[], exts: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const oid of allowed) {
    const v = exts.get(oid);
    if (v !== undefined) out[oid.replaceAll('.', '-')] = v;
  }
  return out;
}

const hexColons = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

/**
 * The subject and authority key identifiers, as Vault puts them in the login metadata
 * (lowercase hex bytes joined by ":"; "" when the certificate has none).
 */
export function keyIdentifiers(exts: Extensions): { subject_key_id: string; authority_key_id: string } {
  let subject = '';
  let authority = '';
  const ski = exts.get('2.5.29.14');
  if (ski) {
    const { result } = asn1js.fromBER(ski);
    if (result instanceof asn1js.OctetString) subject = hexColons(new Uint8Array(result.getValue()));
  }
  const aki = exts.get('2.5.29.35');
  if (aki) {
    const { result } = asn1js.fromBER(aki);
    const id = children(result).find((b) => isContext(b, 0)) as asn1js.Primitive | undefined;
    if (id) authority = hexColons(id.valueBlock.valueHexView);
  }
  return { subject_key_id: subject, authority_key_id: authority };
}
