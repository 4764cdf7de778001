/** What root and intermediate generation share: the permissive role Vault builds, and where the key comes from. */
import type { KeyObject } from 'node:crypto';
import type { FieldData } from '../../framework/fields.js';
import { badRequest } from '../../lib/errors.js';
import type { IssueRole } from './creation.js';
import type { PkiStore } from './store.js';
import type { KeyEntry } from './types.js';
import { defaultKeyBits, generateKey, keyTypeLengthError, parsePrivateKey, signatureBitsFor, type KeyType } from './x509/keys.js';
import { KU } from './x509/oids.js';
import { keyUsageBits } from './creation.js';

export const EXPORTED_ERROR = 'the "exported" path parameter must be "internal", "existing", exported" or "kms"';
export const NO_AIA_WARNING = "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.";

export const EMPTY_SUBJECT_WARNING = 'This issuer certificate was generated without a Subject; this makes it likely that issuing leaf certs with this certificate will cause TLS validation libraries to reject this certificate.';

export const crlWarnings = (ws: string[]): string[] => ws.map((w, i) => `Warning ${i + 1} during CRL rebuild: ${w}`);

export type Exported = 'internal' | 'exported' | 'existing' | 'kms';

export function checkExported(v: string): Exported {
  if (v === 'kms') throw badRequest('managed keys are supported within enterprise edition only');
  if (v !== 'internal' && v !== 'exported' && v !== 'existing') throw badRequest(EXPORTED_ERROR);
  return v;
}

/** Vault's getGenerationParams role: any name, any SAN, no CN checks. */
export function caRole(d: FieldData, keyType: string, keyBits: number, signatureBits: number): IssueRole {
  return {
    ttl: d.int('ttl'), max_ttl: 0, allow_localhost: true, allowed_domains: [], allowed_domains_template: false, allow_bare_domains: false,
    allow_subdomains: false, allow_glob_domains: false, allow_wildcard_certificates: true, allow_any_name: true, allow_token_displayname: false,
    enforce_hostnames: false, allow_ip_sans: true, allowed_uri_sans: ['*'], allowed_uri_sans_template: false, allowed_other_sans: ['*'],
    allowed_serial_numbers: ['*'], allowed_user_ids: ['*'], server_flag: false, client_flag: false, code_signing_flag: false,
    email_protection_flag: false, key_type: keyType, key_bits: keyBits, signature_bits: signatureBits, use_pss: d.bool('use_pss'),
    key_usage: [], ext_key_usage: [], ext_key_usage_oids: [],
    ou: d.list('ou'), organization: d.list('organization'), country: d.list('country'), locality: d.list('locality'),
    province: d.list('province'), street_address: d.list('street_address'), postal_code: d.list('postal_code'),
    use_csr_common_name: false, use_csr_sans: false, require_cn: false, cn_validations: ['disabled'], policy_identifiers: [],
    basic_constraints_valid_for_non_ca: false, generate_lease: false, no_store: false,
    not_before_duration: d.int('not_before_duration'), not_after: '', issuer_ref: '',
  };
}

/** CA certificates always get CertSign and CRLSign; DigitalSignature only when asked for. */
export function caKeyUsage(d: FieldData): number {
  let bits = KU.certSign | KU.crlSign;
  if (d.has('key_usage') && keyUsageBits(d.list('key_usage')) & KU.digitalSignature) bits |= KU.digitalSignature;
  return bits;
}

export interface CaKey { key: KeyObject; existing?: KeyEntry; keyType: string; keyBits: number; signatureBits: number }

/** A new key for internal/exported, or the referenced stored key for existing. */
export async function caKey(store: PkiStore, d: FieldData, exported: Exported): Promise<CaKey> {
  if (exported === 'existing') {
    if ('key_type' in d.raw || 'key_bits' in d.raw) {
      throw badRequest('invalid parameter for the kms/existing path parameter, key_type nor key_bits arguments can be set in this mode');
    }
    const ref = d.str('key_ref') || 'default';
    const id = await store.resolveKeyRef(ref);
    const entry = id ? await store.getKey(id) : undefined;
    if (!entry) throw badRequest(`unable to find PKI key for reference: ${ref}`);
    const sig = signatureBitsFor(entry.type, d.int('signature_bits'));
    if (sig.error) throw badRequest(sig.error);
    return { key: parsePrivateKey(entry.private_key), existing: entry, keyType: entry.type, keyBits: entry.bits, signatureBits: sig.bits };
  }
  const keyType = d.str('key_type') || 'rsa';
  const keyBits = defaultKeyBits(keyType, d.int('key_bits'));
  const err = keyTypeLengthError(keyType, keyBits);
  if (err) throw badRequest(err);
  if (keyType === 'any') throw badRequest('unknown key type: any');
  const sig = signatureBitsFor(keyType, d.int('signature_bits'));
  if (sig.error) throw badRequest(sig.error);
  return { key: await generateKey(keyType as KeyType, keyBits), keyType, keyBits, signatureBits: sig.bits };
}
