/**
 * `roles/:name`: POST writes the whole role (fields left out take Vault's defaults), PATCH
 * merges into the stored one, GET returns every field, LIST `roles`, DELETE.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import type { PkiStore } from './store.js';
import type { RoleEntry } from './types.js';
import { subjectFields } from './fields.js';
import { checkCnValidations } from './validation/names.js';
import { parseOtherSANs } from './validation/sans.js';
import { defaultKeyBits, keyTypeLengthError, signatureBitsFor } from './x509/keys.js';
import { isValidOid } from './x509/der.js';

export const ROLE_FIELDS: FieldTable = {
  name: { type: 'string', description: 'Name of the role' },
  ttl: { type: 'duration', default: 0, description: 'The lease duration (validity period of the certificate) if no specific lease duration is requested.' },
  max_ttl: { type: 'duration', default: 0, description: 'The maximum allowed lease duration.' },
  allow_localhost: { type: 'bool', default: true, description: 'Whether to allow "localhost" and "localdomain" as a valid common name in a request.' },
  allowed_domains: { type: 'strings', default: [], description: 'Specifies the domains this role is allowed to issue certificates for.' },
  allowed_domains_template: { type: 'bool', default: false, description: 'If set, Allowed domains can be specified using identity template policies.' },
  allow_bare_domains: { type: 'bool', default: false, description: 'If set, clients can request certificates for the base domains themselves.' },
  allow_subdomains: { type: 'bool', default: false, description: 'If set, clients can request certificates for subdomains of the allowed domains.' },
  allow_glob_domains: { type: 'bool', default: false, description: 'If set, domains specified in allowed_domains can include shell-style glob patterns.' },
  allow_wildcard_certificates: { type: 'bool', default: true, description: 'If set, allows certificates with wildcards in the common name to be issued.' },
  allow_any_name: { type: 'bool', default: false, description: 'If set, clients can request certificates for any domain, regardless of allowed_domains restrictions.' },
  allow_token_displayname: { type: 'bool', default: false, description: 'Whether to allow the token display name as the common name (deprecated).' },
  enforce_hostnames: { type: 'bool', default: true, description: 'If set, only valid host names are allowed for CN and DNS SANs.' },
  allow_ip_sans: { type: 'bool', default: true, description: 'If set, IP Subject Alternative Names are allowed.' },
  allowed_uri_sans: { type: 'strings', default: [], description: 'If set, an array of allowed URIs for URI Subject Alternative Names. Any valid URI is accepted; these values support globbing.' },
  allowed_uri_sans_template: { type: 'bool', default: false, description: 'If set, Allowed URI SANs can be specified using identity template policies.' },
  allowed_other_sans: { type: 'strings', default: [], description: 'If set, an array of allowed other names to put in SANs (<oid>;UTF8:<value>).' },
  allowed_serial_numbers: { type: 'strings', default: [], description: 'If set, an array of allowed serial numbers to put in Subject. These values support globbing.' },
  allowed_user_ids: { type: 'strings', default: [], description: 'If set, an array of allowed user-ids to put in user system login name specified here.' },
  server_flag: { type: 'bool', default: true, description: 'If set, certificates are flagged for server auth use.' },
  client_flag: { type: 'bool', default: true, description: 'If set, certificates are flagged for client auth use.' },
  code_signing_flag: { type: 'bool', default: false, description: 'If set, certificates are flagged for code signing use.' },
  email_protection_flag: { type: 'bool', default: false, description: 'If set, certificates are flagged for email protection use.' },
  key_type: { type: 'string', default: 'rsa', description: 'The type of key to use; defaults to RSA. "rsa" "ec", "ed25519" and "any" are the only valid values.' },
  key_bits: { type: 'int', default: 0, description: 'The number of bits to use. 0 selects the default for the key type.' },
  signature_bits: { type: 'int', default: 0, description: 'The number of bits to use in the signature algorithm.' },
  use_pss: { type: 'bool', default: false, description: 'Whether or not to use PSS signatures when using a RSA key-type issuer.' },
  key_usage: { type: 'strings', default: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'], description: 'A comma-separated string or list of key usages (not extended key usages).' },
  ext_key_usage: { type: 'strings', default: [], description: 'A comma-separated string or list of extended key usages.' },
  ext_key_usage_oids: { type: 'strings', default: [], description: 'A comma-separated string or list of extended key usage oids.' },
  ...Object.fromEntries(Object.entries(subjectFields).map(([k, v]) => [k, { ...v, default: [] }])),
  use_csr_common_name: { type: 'bool', default: true, description: 'If set, when used with a signing profile, the common name in the CSR will be used.' },
  use_csr_sans: { type: 'bool', default: true, description: 'If set, when used with a signing profile, the SANs in the CSR will be used.' },
  require_cn: { type: 'bool', default: true, description: 'If set to false, makes the common_name field optional while generating a certificate.' },
  cn_validations: { type: 'strings', default: [], description: 'List of allowed validations to run against the Common Name field: email, hostname, or disabled.' },
  policy_identifiers: { type: 'any', description: 'A comma-separated string or list of policy OIDs, or a JSON list of qualified policy information.' },
  basic_constraints_valid_for_non_ca: { type: 'bool', default: false, description: 'Mark Basic Constraints valid when issuing non-CA certificates.' },
  generate_lease: { type: 'bool', default: false, description: 'If set, certificates issued/signed against this role will have Vault leases attached to them.' },
  no_store: { type: 'bool', default: false, description: 'If set, certificates issued/signed against this role will not be stored in the storage backend.' },
  not_before_duration: { type: 'duration', default: 30, description: 'The duration before now which the certificate needs to be backdated by.' },
  not_after: { type: 'string', default: '', description: 'Set the not after field of the certificate with specified date value (RFC 3339).' },
  issuer_ref: { type: 'string', default: 'default', description: 'Reference to the issuer used to sign requests serviced by this role.' },
};

const ROLE_NAME = /^\w(([\w.-]+)?\w)?$/;

/** Policy identifiers: a JSON list of `{oid, cps, notice}` objects, or plain OIDs. Stored as strings. */
function parsePolicyIdentifiers(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string' && v.trim().startsWith('[')) {
    let parsed: unknown;
    try { parsed = JSON.parse(v); } catch { throw badRequest('unable to parse policy_identifiers as JSON'); }
    return parsePolicyIdentifiers(parsed);
  }
  const list = Array.isArray(v) ? v : String(v).split(',');
  return list.map((x) => {
    if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (typeof o.oid !== 'string' || !isValidOid(o.oid)) throw badRequest(`invalid policy identifier ${JSON.stringify(x)}`);
      return JSON.stringify({ oid: o.oid, cps: o.cps ?? '', notice: o.notice ?? '' });
    }
    const s = String(x).trim();
    if (!isValidOid(s)) throw badRequest(`invalid policy identifier ${JSON.stringify(s)}`);
    return s;
  }).filter((s) => s !== '');
}

const GENERATE_LEASE_WARNING = 'it is encouraged to disable generate_lease and rely on PKI\'s native capabilities when possible; this option can cause instance-wide issues with large numbers of issued certificates';
const NO_STORE_WARNING = 'mutually exclusive values no_store=true and generate_lease=true were both specified; no_store=true takes priority';

function buildRole(d: FieldData, old: RoleEntry | undefined): { role: RoleEntry; warnings: string[] } {
  const pick = <T>(name: keyof RoleEntry): T => (old && !d.has(name) ? (old[name] as T) : d.get<T>(name));
  const role = {} as Record<string, unknown>;
  for (const name of Object.keys(ROLE_FIELDS)) {
    if (name === 'name' || name === 'policy_identifiers') continue;
    role[name] = pick(name as keyof RoleEntry);
  }
  role.policy_identifiers = d.has('policy_identifiers') ? parsePolicyIdentifiers(d.raw.policy_identifiers) : old?.policy_identifiers ?? [];
  const r = role as unknown as RoleEntry;
  const warnings: string[] = [];
  const leaseAsked = d.has('generate_lease') ? d.bool('generate_lease') : old?.generate_lease ?? false;
  if (r.no_store) {
    r.generate_lease = false;
    if (leaseAsked) warnings.push(NO_STORE_WARNING);
  } else if (r.generate_lease) warnings.push(GENERATE_LEASE_WARNING);
  return { role: r, warnings };
}

async function validateRole(store: PkiStore, r: RoleEntry, warnings: string[]): Promise<void> {
  if (r.max_ttl > 0 && r.ttl > r.max_ttl) throw badRequest('"ttl" value must be less than "max_ttl" value');
  r.key_bits = r.key_type === 'any' ? r.key_bits : defaultKeyBits(r.key_type, r.key_bits);
  const lenErr = keyTypeLengthError(r.key_type, r.key_bits);
  if (lenErr) throw badRequest(lenErr);
  const sig = signatureBitsFor(r.key_type, r.signature_bits);
  if (sig.error) throw badRequest(sig.error);
  r.signature_bits = sig.bits;
  for (const o of r.ext_key_usage_oids) if (!isValidOid(o)) throw badRequest(`${JSON.stringify(o)} could not be parsed as a valid oid for an extended key usage`);
  if (r.allowed_other_sans.length && !(r.allowed_other_sans.length === 1 && r.allowed_other_sans[0] === '*')) {
    try { parseOtherSANs(r.allowed_other_sans); } catch (e) { throw badRequest(`error parsing allowed_other_sans: ${(e as Error).message}`); }
  }
  if (r.not_after && Number.isNaN(Date.parse(r.not_after))) throw badRequest(`parsing time ${JSON.stringify(r.not_after)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
  if (!r.issuer_ref) r.issuer_ref = 'default';
  if (!(await store.resolveIssuerRef(r.issuer_ref))) {
    warnings.push(r.issuer_ref === 'default'
      ? 'Issuing Certificate was set to default, but no default issuing certificate (configurable at /config/issuers) is currently set'
      : `Issuing Certificate was set to ${r.issuer_ref} but no issuing certificate currently has that name`);
  }
  try {
    r.cn_validations = checkCnValidations(r.cn_validations);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

export const roleData = (r: RoleEntry): Record<string, unknown> => ({ ...r });

export function rolePaths(store: PkiStore): PathDef[] {
  const checkName = (name: string) => {
    if (!ROLE_NAME.test(name)) throw new CofferError(404, 'unsupported path');
  };
  const write = (patch: boolean) => async (_req: unknown, d: FieldData): Promise<Response> => {
    const name = d.str('name');
    checkName(name);
    const old = await store.getRole(name);
    if (patch && !old) throw badRequest('Unable to fetch role entry to patch');
    const { role, warnings } = buildRole(d, patch ? old : undefined);
    await validateRole(store, role, warnings);
    await store.putRole(name, role);
    return { data: roleData(role), warnings: warnings.length ? warnings : undefined };
  };
  return [
    {
      pattern: 'roles',
      operations: { list: async () => { const keys = await store.listRoles(); return keys.length ? { data: { keys } } : null; } },
      synopsis: 'List the existing roles in this backend',
    },
    {
      pattern: 'roles/:name',
      fields: ROLE_FIELDS,
      existenceCheck: async (_r, d) => !!(await store.getRole(d.str('name'))),
      operations: {
        read: async (_r, d) => {
          const role = await store.getRole(d.str('name'));
          return role ? { data: roleData(role) } : null;
        },
        create: write(false),
        update: write(false),
        patch: write(true),
        delete: async (_r, d) => { await store.deleteRole(d.str('name')); return null; },
      },
      synopsis: 'Manage the roles that can be created with this backend.',
    },
  ];
}
