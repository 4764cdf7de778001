/**
 * Vault's rules for which names a role may put in a certificate (validateNames and
 * validateCommonName in Vault's PKI backend), reproduced rule for rule, quirks included.
 */
import { domainToASCII } from 'node:url';
import { globMatch } from '../../../lib/glob.js';

const LABEL = '([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])';
export const HOSTNAME_RE = new RegExp(`^(\\*\\.)?(${LABEL}\\.)*${LABEL}\\.?$`);
const LEFT_WILD_RE = new RegExp(`^(\\*|\\*${LABEL}|${LABEL}\\*|${LABEL}\\*${LABEL})$`);

export class IdnaError extends Error {}

/**
 * Go's idna profile with StrictDomainName and VerifyDNSLength but no mapping: only empty or
 * over-long labels fail (so `host^123.example.com` passes here and is left to the regex);
 * non-ASCII labels are punycode-encoded.
 */
export function toASCII(name: string): string {
  if (name === '') throw new IdnaError('idna: invalid label ""');
  // Fast path for plain ASCII (almost every name): one scan for empty and over-long labels.
  if (/^[\x00-\x7f]*$/.test(name)) {
    const end = name.endsWith('.') && name.length > 1 ? name.length - 1 : name.length;
    let start = 0;
    for (let i = 0; i <= end; i++) {
      if (i === end || name.charCodeAt(i) === 46) {
        if (i === start) throw new IdnaError(`idna: invalid label ${JSON.stringify(name)}`);
        if (i - start > 63) throw new IdnaError(`idna: invalid label ${JSON.stringify(name.slice(start, i))}`);
        start = i + 1;
      }
    }
    if (name.length > 253) throw new IdnaError(`idna: invalid label ${JSON.stringify(name)}`);
    return name;
  }
  let labels = name.split('.');
  const trailingDot = labels.length > 1 && labels[labels.length - 1] === '';
  if (trailingDot) labels = labels.slice(0, -1);
  if (labels.some((l) => l === '')) throw new IdnaError(`idna: invalid label ${JSON.stringify(name)}`);
  const out = labels.map((l) => {
    if (/^[\x00-\x7f]*$/.test(l)) return l;
    const a = domainToASCII(l);
    if (!a || a.includes('.')) throw new IdnaError(`idna: invalid label ${JSON.stringify(l)}`);
    return a;
  });
  for (const l of out) if (l.length > 63) throw new IdnaError(`idna: invalid label ${JSON.stringify(l)}`);
  const s = out.join('.') + (trailingDot ? '.' : '');
  if (s.length > 253) throw new IdnaError(`idna: invalid label ${JSON.stringify(s)}`);
  return s;
}

// The same names come back request after request; their hostname verdict is pure.
const hostnameVerdicts = new Map<string, boolean>();

/** IDNA conversion succeeds and the result matches Vault's hostname pattern. */
export function isHostname(name: string): boolean {
  let v = hostnameVerdicts.get(name);
  if (v === undefined) {
    try { v = HOSTNAME_RE.test(toASCII(name)); } catch { v = false; }
    if (hostnameVerdicts.size > 4096) hostnameVerdicts.clear();
    hostnameVerdicts.set(name, v);
  }
  return v;
}

/** The parts of a role that name validation reads. */
export interface NameRules {
  allow_localhost: boolean;
  allow_bare_domains: boolean;
  allow_subdomains: boolean;
  allow_glob_domains: boolean;
  allow_wildcard_certificates: boolean;
  allow_any_name: boolean;
  allow_token_displayname: boolean;
  enforce_hostnames: boolean;
  cn_validations: string[];
  /** Already resolved if the role uses identity templates. */
  allowed_domains: string[];
}

function wildcardParts(name: string): { label: string; reduced: string } | null {
  if ((name.match(/\*/g) ?? []).length > 1) return null;
  const dot = name.indexOf('.');
  if (dot < 0) return { label: name, reduced: '' };
  const reduced = name.slice(dot + 1);
  if (reduced.includes('*')) return null;
  return { label: name.slice(0, dot), reduced };
}

function nameAllowed(rules: NameRules, name: string, displayName: string): boolean {
  let reduced = name;
  let emailDomain = name;
  let label = '';
  let isEmail = false;
  let isWildcard = false;
  if (reduced.includes('@')) {
    const parts = reduced.split('@');
    if (parts.length !== 2) return false;
    reduced = parts[1]!;
    emailDomain = parts[1]!;
    isEmail = true;
  }
  if (reduced.includes('*')) {
    isWildcard = true;
    if (!rules.allow_wildcard_certificates) return false;
    const w = wildcardParts(reduced);
    if (!w) return false;
    label = w.label;
    reduced = w.reduced;
  }
  if (isEmail && isWildcard) return false;
  if (rules.enforce_hostnames) {
    if (reduced !== '' && !isHostname(reduced)) return false;
    if (isWildcard && !LEFT_WILD_RE.test(label)) return false;
  }
  if (rules.allow_any_name) return true;
  if (rules.allow_localhost) {
    if (reduced === 'localhost' || reduced === 'localdomain' || (isEmail && (emailDomain === 'localhost' || emailDomain === 'localdomain'))) return true;
    if (rules.allow_subdomains) {
      if (reduced.endsWith('.localhost') || (isWildcard && reduced === 'localhost')) return true;
      if (reduced.endsWith('.localdomain') || (isWildcard && reduced === 'localdomain')) return true;
    }
  }
  if (rules.allow_token_displayname && displayName) {
    if (name === displayName) return true;
    if (rules.allow_subdomains) {
      if (isEmail && displayName.includes('@')) {
        const split = displayName.split('@');
        if (split.length === 2 && reduced.endsWith('.' + split[1])) return true;
      }
      if (reduced.endsWith('.' + displayName) || (isWildcard && reduced === displayName)) return true;
    }
  }
  for (const domain of rules.allowed_domains) {
    if (domain === '') continue;
    const lower = domain.toLowerCase();
    if (rules.allow_bare_domains && (name.toLowerCase() === lower || (isEmail && emailDomain.toLowerCase() === lower))) return true;
    if (rules.allow_subdomains && (reduced.endsWith('.' + domain) || (isWildcard && reduced.toLowerCase() === lower))) return true;
    if (rules.allow_glob_domains && domain.includes('*') && globMatch(domain, name)) return true;
  }
  return false;
}

/** The first name the role does not allow, or '' when all pass. */
export function validateNames(rules: NameRules, names: string[], displayName = ''): string {
  for (const n of names) if (!nameAllowed(rules, n, displayName)) return n;
  return '';
}

/** The common name if the role rejects it, else ''. */
export function validateCommonName(rules: NameRules, cn: string, displayName = ''): string {
  const v = rules.cn_validations;
  if (v.length === 1 && v[0] === 'disabled') return '';
  if (validateNames(rules, [cn], displayName)) return cn;
  if (v.length === 0) return '';
  if (cn.includes('@')) return v.includes('email') ? '' : cn;
  return v.includes('hostname') ? '' : cn;
}

/** Vault's checkCNValidations: normalises the list and rejects contradictions. */
export function checkCnValidations(values: string[]): string[] {
  if (values.length === 0) return ['email', 'hostname'];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of values) {
    const v = raw.toLowerCase();
    if (!['disabled', 'email', 'hostname'].includes(v)) throw new Error(`cn_validations value incorrect: unknown type: \`${raw}\``);
    if (seen.has(v)) throw new Error(`cn_validations value incorrect: \`${v}\` specified multiple times`);
    seen.add(v);
    out.push(v);
  }
  if (seen.has('disabled') && (seen.has('email') || seen.has('hostname'))) {
    throw new Error('cn_validations value incorrect: cannot specify `disabled` along with `email` or `hostname`');
  }
  return out;
}
