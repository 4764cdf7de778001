/**
 * `issue/:role`, `sign/:role`, `sign-verbatim(/:role)` and their `issuer/:ref/…` forms: the
 * paths that hand out leaf certificates.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { aiaFor } from './aia.js';
import { buildCreation, type IssueRole } from './creation.js';
import { checkCsrKey, checkCsrSignature, csrKey, parseCsrInput } from './csr-input.js';
import { displayNameOf, entityOf, identityOf, type PkiEnv } from './env.js';
import { issueFields } from './fields.js';
import { checkFormat, issuedData, signCertificate, signingIssuer } from './issuing.js';
import { computeNotAfter, computeNotBefore } from './ttl.js';
import type { RoleEntry } from './types.js';
import { resolveTemplates } from './validation/identity-template.js';
import { OID } from './x509/oids.js';
import { defaultKeyBits, generateEncodedKey, keyTypeLengthError, privateKeyForm, signatureBitsFor, type KeyType } from './x509/keys.js';
import type { ParsedCSR } from './x509/parse.js';

type Mode = 'issue' | 'sign' | 'verbatim';

const signFields: FieldTable = { ...issueFields, csr: { type: 'string', default: '', description: 'PEM-format CSR to be signed.' } };

const verbatimFields: FieldTable = {
  ...signFields,
  key_usage: { type: 'strings', default: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'], description: 'Key usages for the signed certificate.' },
  ext_key_usage: { type: 'strings', default: [], description: 'Extended key usages for the signed certificate.' },
  ext_key_usage_oids: { type: 'strings', default: [], description: 'Extended key usage OIDs for the signed certificate.' },
  signature_bits: { type: 'int', default: 0, description: 'The number of bits to use in the signature algorithm.' },
  use_pss: { type: 'bool', default: false, description: 'Whether or not to use PSS signatures.' },
  basic_constraints_valid_for_non_ca: { type: 'bool', default: false, description: 'Mark Basic Constraints valid when issuing non-CA certificates.' },
};

/** The role Vault builds for sign-verbatim: anything goes, only lifetimes and storage come from a named role. */
function verbatimRole(d: FieldData, role: RoleEntry | undefined): IssueRole {
  return {
    ttl: role && role.ttl > 0 ? role.ttl : 0, max_ttl: role && role.max_ttl > 0 ? role.max_ttl : 0,
    allow_localhost: true, allowed_domains: [], allowed_domains_template: false, allow_bare_domains: false, allow_subdomains: false,
    allow_glob_domains: false, allow_wildcard_certificates: true, allow_any_name: true, allow_token_displayname: false,
    enforce_hostnames: false, allow_ip_sans: true, allowed_uri_sans: ['*'], allowed_uri_sans_template: false,
    allowed_other_sans: ['*'], allowed_serial_numbers: ['*'], allowed_user_ids: ['*'],
    server_flag: false, client_flag: false, code_signing_flag: false, email_protection_flag: false,
    key_type: 'any', key_bits: 0, signature_bits: d.int('signature_bits'), use_pss: d.bool('use_pss'),
    key_usage: d.list('key_usage'), ext_key_usage: d.list('ext_key_usage'), ext_key_usage_oids: d.list('ext_key_usage_oids'),
    ou: [], organization: [], country: [], locality: [], province: [], street_address: [], postal_code: [],
    use_csr_common_name: true, use_csr_sans: true, require_cn: false, cn_validations: ['disabled'], policy_identifiers: [],
    basic_constraints_valid_for_non_ca: d.has('basic_constraints_valid_for_non_ca') || !role ? d.bool('basic_constraints_valid_for_non_ca') : role.basic_constraints_valid_for_non_ca,
    generate_lease: role?.generate_lease ?? false, no_store: role?.no_store ?? false,
    not_before_duration: role && role.not_before_duration > 0 ? role.not_before_duration : 0, not_after: '',
    issuer_ref: role?.issuer_ref || 'default',
  };
}

export async function issueLeaf(env: PkiEnv, req: Request, d: FieldData, mode: Mode, roleIn: IssueRole, issuerRef: string): Promise<Response> {
  // The stored role object is kept as is (its derived values are cached by identity); only
  // key_type "any" needs a copy to fill in the request's key type.
  let role: IssueRole = roleIn;
  const warnings: string[] = [];
  if (mode === 'issue') {
    if (role.key_type === 'any') {
      role = { ...roleIn };
      if (!d.has('key_type')) throw badRequest('role key type "any" not allowed for issuing certificates without providing key_type and/or key_bits request parameters');
      role.key_type = d.str('key_type');
      role.key_bits = defaultKeyBits(role.key_type, d.has('key_bits') ? d.int('key_bits') : 0);
      const err = keyTypeLengthError(role.key_type, role.key_bits) || signatureBitsFor(role.key_type, role.signature_bits).error;
      if (err) throw badRequest(`failed to validate role: ${err}`);
    } else if (d.has('key_type') || d.has('key_bits')) {
      warnings.push('parameters key_type and key_bits ignored as role had specific values');
    }
  }
  const issuer = await signingIssuer(env.store, issuerRef);
  const format = checkFormat(d.str('format'));

  let csr: ParsedCSR | undefined;
  if (mode !== 'issue') {
    csr = parseCsrInput(d.str('csr'));
    checkCsrKey(role.key_type, role.key_bits, csrKey(csr));
  }
  const identity = identityOf(env);
  const entityId = entityOf(req);
  const creation = buildCreation(role, d, {
    allowedDomains: resolveTemplates(role.allowed_domains, role.allowed_domains_template, entityId, identity),
    allowedUriSans: resolveTemplates(role.allowed_uri_sans, role.allowed_uri_sans_template, entityId, identity),
    displayName: displayNameOf(req),
  }, csr);
  warnings.push(...creation.warnings);

  const now = env.now();
  const { notAfter, warnings: ttlWarnings } = computeNotAfter({
    now, ttl: d.int('ttl'), notAfter: d.str('not_after'), roleTTL: role.ttl, roleMaxTTL: role.max_ttl, roleNotAfter: role.not_after,
    mountDefaultTTL: env.ctx.system.defaultLeaseTTL(), mountMaxTTL: env.ctx.system.maxLeaseTTL(),
    issuer: { notAfter: issuer.cert.notAfter, behavior: issuer.entry.leaf_not_after_behavior },
  });
  warnings.push(...ttlWarnings);
  const notBefore = computeNotBefore(now, role.not_before_duration, notAfter);

  let extra;
  if (csr) {
    checkCsrSignature(csr);
    if (csr.hasBasicConstraints && !role.basic_constraints_valid_for_non_ca) warnings.push('specified CSR contained a Basic Constraints extension that was ignored during issuance');
    if (mode === 'verbatim') extra = csr.extensions.filter((e) => e.oid !== OID.basicConstraints && e.oid !== OID.subjectAltName);
  }
  const keyType = role.key_type as KeyType;
  const key = mode === 'issue'
    ? await generateEncodedKey(keyType, role.key_bits, privateKeyForm(keyType, d.str('private_key_format') === 'pkcs8', format === 'der' ? 'der' : 'pem'))
    : undefined;
  const { der, serial } = await signCertificate({
    creation, subjectDer: mode === 'verbatim' ? csr!.subject.der : undefined,
    spki: key ? key.spki : csr!.spki, skid: key?.skid, notBefore, notAfter, isCA: false,
    basicConstraintsForNonCA: role.basic_constraints_valid_for_non_ca, aia: await aiaFor(env.store, issuer.entry), extra,
    issuer, signatureBits: role.signature_bits, usePss: role.use_pss,
  });
  if (!role.no_store) await env.store.putCert(serial, der);
  env.ctx.logger.info({ serial_number: serial, issuer_id: issuer.entry.id, path: req.path }, 'pki: certificate issued');

  const data = issuedData({ der, serial, issuer, format, removeRoots: d.bool('remove_roots_from_chain'), key: key && { type: keyType, encoded: key.privateKey } });
  data.expiration = Math.floor(notAfter / 1000);
  if (csr) {
    if (role.use_csr_common_name && d.str('common_name')) warnings.push('the common_name field was provided but the role is set with "use_csr_common_name" set to true');
    if (role.use_csr_sans && d.str('alt_names')) warnings.push('the alt_names field was provided but the role is set with "use_csr_sans" set to true');
  }
  const resp: Response = { data, warnings: warnings.length ? warnings : undefined };
  if (role.generate_lease) {
    resp.secret = { type: 'pki', ttl: Math.max(1, Math.floor((Math.floor(notAfter / 1000) * 1000 - now) / 1000)), renewable: false, internal: { serial_number: serial } };
  }
  return resp;
}

export function issuePaths(env: PkiEnv): PathDef[] {
  const roleOf = async (name: string): Promise<RoleEntry> => {
    const role = await env.store.getRole(name);
    if (!role) throw badRequest(`unknown role: ${name}`);
    return role;
  };
  const ref = (d: FieldData, role: { issuer_ref: string }) => ('ref' in d.captures ? d.captures.ref! : role.issuer_ref || 'default');
  const issue = async (req: Request, d: FieldData) => { const r = await roleOf(d.str('role')); return issueLeaf(env, req, d, 'issue', r, ref(d, r)); };
  const sign = async (req: Request, d: FieldData) => { const r = await roleOf(d.str('role')); return issueLeaf(env, req, d, 'sign', r, ref(d, r)); };
  const verbatim = async (req: Request, d: FieldData) => {
    const stored = 'role' in d.captures ? await roleOf(d.captures.role!) : undefined;
    const r = verbatimRole(d, stored);
    return issueLeaf(env, req, d, 'verbatim', r, ref(d, r));
  };
  const withRef = (f: FieldTable): FieldTable => ({ ...f, ref: { type: 'string', description: 'Reference to an existing issuer.' } });
  const withRole = (f: FieldTable): FieldTable => ({ ...f, role: { type: 'string', description: 'The desired role with configuration for this request' } });
  return [
    { pattern: 'issue/:role', fields: withRole(issueFields), operations: { update: issue }, synopsis: 'Request a certificate using a certain role with the provided details.' },
    { pattern: 'sign/:role', fields: withRole(signFields), operations: { update: sign }, synopsis: 'Request certificates using a certain role with the provided details.' },
    { pattern: 'sign-verbatim', fields: verbatimFields, operations: { update: verbatim }, synopsis: 'Request a certificate using the CSR as given.' },
    { pattern: 'sign-verbatim/:role', fields: withRole(verbatimFields), operations: { update: verbatim }, synopsis: 'Request a certificate using the CSR as given.' },
    { pattern: 'issuer/:ref/issue/:role', fields: withRef(withRole(issueFields)), operations: { update: issue }, synopsis: 'Request a certificate from this issuer using a certain role.' },
    { pattern: 'issuer/:ref/sign/:role', fields: withRef(withRole(signFields)), operations: { update: sign }, synopsis: 'Sign a CSR with this issuer using a certain role.' },
    { pattern: 'issuer/:ref/sign-verbatim', fields: withRef(verbatimFields), operations: { update: verbatim }, synopsis: 'Sign a CSR verbatim with this issuer.' },
    { pattern: 'issuer/:ref/sign-verbatim/:role', fields: withRef(withRole(verbatimFields)), operations: { update: verbatim }, synopsis: 'Sign a CSR verbatim with this issuer.' },
  ];
}
