/**
 * From a role, the request's fields and (for sign) a CSR to what goes in the certificate:
 * subject, SANs, usages. Every check runs in Vault's order with Vault's messages
 * (generateCreationBundle in Vault's PKI backend).
 */
import type { FieldData } from '../../framework/fields.js';
import { badRequest } from '../../lib/errors.js';
import type { RoleEntry } from './types.js';
import type { SanInput, PolicyInfo } from './x509/cert-builder.js';
import { EXT_KEY_USAGE, KEY_USAGE_BITS, OID } from './x509/oids.js';
import { firstAttr, allAttrs, type SubjectInput } from './x509/name.js';
import type { ParsedCSR } from './x509/parse.js';
import { HOSTNAME_RE, IdnaError, isHostname, toASCII, validateCommonName, validateNames, type NameRules } from './validation/names.js';
import {
  checkOtherSanOids, isParsableURI, isValidIP, parseOtherSANs, serialNumberAllowed, uriAllowed, userIdAllowed, validateOtherSANs,
} from './validation/sans.js';

export interface Creation {
  subject: SubjectInput;
  sans: SanInput;
  keyUsage: number;
  extKeyUsage: string[];
  policies: PolicyInfo[];
  warnings: string[];
}

/** A role as issuance reads it: stored roles, and the ones Vault builds for CA and verbatim paths. */
export type IssueRole = RoleEntry & { max_path_length?: number };

export interface CreationContext {
  /** Role lists after identity templating. */
  allowedDomains: string[];
  allowedUriSans: string[];
  displayName: string;
}

const dedup = (xs: string[]) => [...new Set(xs)];

/** Go's `strings.Split` + RemoveDuplicatesStable on a comma string, keeping empty-free order. */
function splitAltNames(raw: string): string[] {
  const s = raw.trim();
  if (!s) return [];
  return dedup(s.split(',').map((x) => x.trim()).filter((x) => x !== ''));
}

function dnsIfHostname(name: string): string | undefined {
  if (/^[\x00-\x7f]*$/.test(name) && isHostname(name)) return name;
  let converted: string;
  try {
    converted = toASCII(name);
  } catch (e) {
    if (e instanceof IdnaError) throw badRequest(e.message);
    throw e;
  }
  return HOSTNAME_RE.test(converted) ? converted : undefined;
}

export function keyUsageBits(names: string[]): number {
  let bits = 0;
  for (const n of names) {
    const b = KEY_USAGE_BITS[n.trim().toLowerCase().replace(/^keyusage/, '')];
    if (b !== undefined) bits |= 1 << b;
  }
  return bits;
}

/** EKU OIDs in Go's fixed order (the role's flags plus its ext_key_usage names), then extra OIDs. */
export function extKeyUsageOids(role: Pick<RoleEntry, 'server_flag' | 'client_flag' | 'code_signing_flag' | 'email_protection_flag' | 'ext_key_usage' | 'ext_key_usage_oids'>): string[] {
  const wanted = new Set(role.ext_key_usage.map((n) => n.trim().toLowerCase().replace(/^extkeyusage/, '')));
  if (role.server_flag) wanted.add('serverauth');
  if (role.client_flag) wanted.add('clientauth');
  if (role.code_signing_flag) wanted.add('codesigning');
  if (role.email_protection_flag) wanted.add('emailprotection');
  const out: string[] = [];
  for (const [name, o] of Object.entries(EXT_KEY_USAGE)) if (wanted.has(name)) out.push(o);
  for (const o of role.ext_key_usage_oids) if (!out.includes(o)) out.push(o);
  return out;
}

/** Stored policy identifiers: plain OIDs or JSON objects `{oid, cps, notice}`. */
export function parsePolicies(stored: string[]): PolicyInfo[] {
  return stored.map((s) => {
    if (s.trim().startsWith('{')) {
      const o = JSON.parse(s) as { oid?: string; cps?: string; notice?: string };
      return { oid: String(o.oid ?? ''), cps: o.cps || undefined, notice: o.notice || undefined };
    }
    return { oid: s };
  });
}

/** Usages and policies depend only on the role: worked out once per stored role object. */
interface Derived { keyUsage: number; extKeyUsage: string[]; policies: PolicyInfo[]; subject: SubjectInput }
const derivedCache = new WeakMap<IssueRole, Derived>();
function derived(role: IssueRole): Derived {
  let d = derivedCache.get(role);
  if (!d) {
    d = {
      keyUsage: keyUsageBits(role.key_usage), extKeyUsage: extKeyUsageOids(role), policies: parsePolicies(role.policy_identifiers),
      subject: {
        country: dedup(role.country), organization: dedup(role.organization), ou: dedup(role.ou), locality: dedup(role.locality),
        province: dedup(role.province), streetAddress: dedup(role.street_address), postalCode: dedup(role.postal_code),
      },
    };
    derivedCache.set(role, d);
  }
  return d;
}

function nameRules(role: IssueRole, c: CreationContext): NameRules {
  // Without identity templates the role's own list is used; skip copying the role then.
  return c.allowedDomains === role.allowed_domains ? role : { ...role, allowed_domains: c.allowedDomains };
}

export function buildCreation(role: IssueRole, data: FieldData, c: CreationContext, csr?: ParsedCSR): Creation {
  const warnings: string[] = [];
  let cn = '';
  if (csr && role.use_csr_common_name) cn = firstAttr(csr.subject, OID.commonName);
  if (!cn) {
    cn = data.str('common_name');
    if (!cn && role.require_cn) {
      throw badRequest('the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
    }
  }
  let ridSerial = data.str('serial_number');
  if (!ridSerial && csr) ridSerial = firstAttr(csr.subject, OID.serialNumber);

  let dnsNames: string[] = [];
  let emails: string[] = [];
  const useCsrSans = !!csr && role.use_csr_sans;
  if (useCsrSans) {
    dnsNames = [...csr!.dnsNames];
    emails = [...csr!.emails];
  }
  if (cn && !data.bool('exclude_cn_from_sans')) {
    if (cn.includes('@')) emails.push(cn);
    else {
      const d = dnsIfHostname(cn);
      if (d) dnsNames.push(d);
    }
  }
  if (!useCsrSans && data.has('alt_names')) {
    for (const v of splitAltNames(data.str('alt_names'))) {
      if (v.includes('@')) emails.push(v);
      else {
        const d = dnsIfHostname(v);
        if (d) dnsNames.push(d);
      }
    }
  }

  const rules = nameRules(role, c);
  if (cn) {
    const bad = validateCommonName(rules, cn, c.displayName);
    if (bad) throw badRequest(`common name ${bad} not allowed by this role`);
  }
  if (ridSerial && !serialNumberAllowed(role.allowed_serial_numbers, ridSerial)) {
    throw badRequest(`serial_number ${ridSerial} not allowed by this role`);
  }
  let bad = validateNames(rules, dnsNames, c.displayName);
  if (bad) throw badRequest(`subject alternate name ${bad} not allowed by this role`);
  bad = validateNames(rules, emails, c.displayName);
  if (bad) throw badRequest(`email address ${bad} not allowed by this role`);

  // Other SANs
  const otherInput = [...data.list('other_sans')];
  if (useCsrSans) for (const o of csr!.otherNames) otherInput.push(`${o.oid};UTF8:${o.value}`);
  const otherNames: { oid: string; value: string }[] = [];
  if (otherInput.length) {
    let requested: Map<string, string[]>;
    try {
      requested = parseOtherSANs(otherInput);
    } catch (e) {
      throw badRequest(`could not parse requested other SAN: ${(e as Error).message}`);
    }
    let badOid: string;
    let badValue: string;
    try {
      [badOid, badValue] = validateOtherSANs(role.allowed_other_sans, requested);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    if (badValue) throw badRequest(`other SAN ${badValue} not allowed for OID ${badOid} by this role`);
    if (badOid) throw badRequest(`other SAN OID ${badOid} not allowed by this role`);
    try { checkOtherSanOids(requested); } catch (e) { throw badRequest((e as Error).message); }
    for (const [oid, values] of requested) for (const value of values) otherNames.push({ oid, value });
  }

  // IP SANs
  let ips: string[];
  const ipSource = useCsrSans ? 'CSR' : 'the API';
  if (useCsrSans) ips = [...csr!.ips];
  else {
    ips = data.list('ip_sans');
    for (const v of ips) if (!isValidIP(v)) throw badRequest(`the value ${JSON.stringify(v)} is not a valid IP address`);
  }
  if (ips.length && !role.allow_ip_sans) throw badRequest(`IP Subject Alternative Names are not allowed in this role, but was provided via ${ipSource}`);

  // URI SANs
  const uris: string[] = [];
  const uriInput = useCsrSans ? csr!.uris : data.list('uri_sans');
  if (uriInput.length) {
    const via = useCsrSans ? 'CSR' : 'the API';
    if (!role.allowed_uri_sans.length) throw badRequest(`URI Subject Alternative Names are not allowed in this role, but were provided via ${via}`);
    for (const u of uriInput) {
      if (!uriAllowed(c.allowedUriSans, u)) throw badRequest(`URI Subject Alternative Names were provided via ${via} which are not valid for this role`);
      if (!useCsrSans && !isParsableURI(u)) throw badRequest(`the provided URI Subject Alternative Name ${JSON.stringify(u)} is not a valid URI`);
      uris.push(u);
    }
  }

  const { subject: roleSubject, keyUsage, extKeyUsage, policies } = derived(role);
  const subject: SubjectInput = { ...roleSubject, commonName: cn, serialNumber: ridSerial, extra: [] };

  // User IDs
  let userIds = data.list('user_ids');
  if (!userIds.length && csr) userIds = allAttrs(csr.subject, OID.userId);
  for (const u of userIds) {
    if (!userIdAllowed(role.allowed_user_ids, u)) throw badRequest(`user_id ${u} is not allowed by this role`);
    subject.extra!.push({ oid: OID.userId, value: u });
  }

  return {
    subject,
    sans: { dnsNames: dedup(dnsNames), emails: dedup(emails), ips, uris, otherNames },
    keyUsage, extKeyUsage, policies,
    warnings,
  };
}
