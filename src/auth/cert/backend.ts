/**
 * The cert auth method: trusted certificate entries (CA or leaf PEM) with name constraints;
 * login verifies the TLS peer chain against them. The listener only requests client certs,
 * so verification happens here.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import type { BackendDef, BackendFactory } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request } from '../../framework/types.js';
import { badRequest, CofferError, permissionDenied } from '../../lib/errors.js';
import { cidrAllows } from '../../core/tokens/token-info.js';
import { globMatch } from '../../lib/glob.js';
import { authFromParams, parseTokenParams, samePolicies, tokenFields, tokenParamsJSON, type TokenParams } from '../token-fields.js';
import { CrlStore, crlPaths } from './crls.js';
import { certExtensions, extensionMetadata, extensionStrings, hasRequiredExtensions, keyIdentifiers } from './extensions.js';

interface CertEntry extends TokenParams {
  certificate: string;
  display_name: string;
  allowed_names: string[];
  allowed_common_names: string[];
  allowed_dns_sans: string[];
  allowed_email_sans: string[];
  allowed_uri_sans: string[];
  allowed_organizational_units: string[];
  required_extensions: string[];
  allowed_metadata_extensions: string[];
}

const LISTS = ['allowed_names', 'allowed_common_names', 'allowed_dns_sans', 'allowed_email_sans',
  'allowed_uri_sans', 'allowed_organizational_units', 'required_extensions', 'allowed_metadata_extensions'] as const;

const certKey = (name: string) => `cert/${name.toLowerCase()}`;

function peerChain(req: Request): X509Certificate[] {
  const sock = req.tlsSocket;
  if (!sock) return [];
  const leaf = sock.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  if (!leaf || !leaf.raw) return [];
  const out: X509Certificate[] = [];
  let cur: PeerCertificate | DetailedPeerCertificate | undefined = leaf;
  const seen = new Set<string>();
  while (cur && cur.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(new X509Certificate(cur.raw));
    cur = (cur as DetailedPeerCertificate).issuerCertificate;
  }
  return out;
}

const validNow = (c: X509Certificate) => {
  const now = Date.now();
  return new Date(c.validFrom).getTime() <= now && now <= new Date(c.validTo).getTime();
};

/** True when the presented chain reaches the trusted certificate (itself a leaf or an issuer). */
function chainsTo(chain: X509Certificate[], trusted: X509Certificate): boolean {
  if (!validNow(trusted) || !chain.every(validNow)) return false;
  if (chain[0].fingerprint256 === trusted.fingerprint256) return true;
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i];
    if (c.checkIssued(trusted) && c.verify(trusted.publicKey)) {
      // every link below must be signed by the next one up
      for (let j = 0; j < i; j++) if (!(chain[j].checkIssued(chain[j + 1]) && chain[j].verify(chain[j + 1].publicKey))) return false;
      return true;
    }
    if (c.fingerprint256 === trusted.fingerprint256) {
      for (let j = 0; j < i; j++) if (!(chain[j].checkIssued(chain[j + 1]) && chain[j].verify(chain[j + 1].publicKey))) return false;
      return true;
    }
  }
  return false;
}

function subjectField(subject: string, key: string): string[] {
  return subject.split('\n').filter((l) => l.startsWith(key + '=')).map((l) => l.slice(key.length + 1));
}

function sans(c: X509Certificate, kind: string): string[] {
  return (c.subjectAltName ?? '').split(', ').filter((s) => s.startsWith(kind + ':')).map((s) => s.slice(kind.length + 1));
}

const serialDecimal = (c: X509Certificate) => BigInt('0x' + c.serialNumber).toString(10);

function matchesConstraints(e: CertEntry, c: X509Certificate): boolean {
  const cn = subjectField(c.subject, 'CN')[0] ?? '';
  const dns = sans(c, 'DNS'), emails = sans(c, 'email'), uris = sans(c, 'URI');
  const any = (pats: string[], vals: string[]) => pats.length === 0 || pats.some((p) => vals.some((v) => globMatch(p, v)));
  return any(e.allowed_names, [cn, ...dns, ...emails])
    && any(e.allowed_common_names, [cn])
    && any(e.allowed_dns_sans, dns)
    && any(e.allowed_email_sans, emails)
    && any(e.allowed_uri_sans, uris)
    && any(e.allowed_organizational_units, subjectField(c.subject, 'OU'));
}

export const certAuthFactory: BackendFactory = (ctx): BackendDef => {
  const { storage } = ctx;
  const getCert = (name: string) => storage.getJSON<CertEntry>(certKey(name));
  const crls = new CrlStore(storage);

  /** The first entry (of `names`) the presented chain logs in with. */
  const match = async (chain: X509Certificate[], names: string[]) => {
    const leaf = chain[0]!;
    const parsed = certExtensions(leaf.raw);
    const exts = extensionStrings(parsed);
    for (const name of names) {
      const entry = await getCert(name);
      if (!entry) continue;
      let trusted: X509Certificate;
      try { trusted = new X509Certificate(entry.certificate); } catch { continue; }
      if (!chainsTo(chain, trusted) || !matchesConstraints(entry, leaf)) continue;
      if (!hasRequiredExtensions(entry.required_extensions ?? [], exts)) continue;
      if (await crls.anyRevoked([...chain, trusted].map(serialDecimal))) continue;
      return { name, entry, leaf, exts, ids: keyIdentifiers(parsed) };
    }
    return undefined;
  };

  const writeCert = async (_req: Request, d: FieldData) => {
    const name = d.str('name');
    if (!name) throw badRequest('missing name');
    const existing = await getCert(name);
    const pem = d.has('certificate') ? d.str('certificate') : existing?.certificate ?? '';
    if (!pem) throw badRequest('must specify a certificate');
    try { new X509Certificate(pem); } catch { throw badRequest('failed to parse certificate'); }
    const entry: CertEntry = {
      ...parseTokenParams(d, existing),
      certificate: pem,
      display_name: d.has('display_name') ? d.str('display_name') : existing?.display_name ?? name,
      allowed_names: [], allowed_common_names: [], allowed_dns_sans: [], allowed_email_sans: [],
      allowed_uri_sans: [], allowed_organizational_units: [], required_extensions: [], allowed_metadata_extensions: [],
    };
    for (const k of LISTS) entry[k] = d.has(k) ? d.list(k) : existing?.[k] ?? [];
    await storage.putJSON(certKey(name), entry);
    return null;
  };

  return {
    help: 'The "cert" credential provider allows authentication using TLS client certificates.',
    unauthenticatedPaths: ['login'],
    paths: [
      {
        pattern: 'certs',
        operations: { list: async () => ({ data: { keys: (await storage.list('cert/')).sort() } }) },
      },
      {
        pattern: 'certs/:name',
        fields: {
          name: { type: 'string' },
          certificate: { type: 'string' },
          display_name: { type: 'string' },
          ...Object.fromEntries(LISTS.map((k) => [k, { type: 'strings' as const }])),
          ...tokenFields,
        },
        existenceCheck: async (_r, d) => (await getCert(d.str('name'))) !== undefined,
        operations: {
          read: async (_r, d) => {
            const e = await getCert(d.str('name'));
            if (!e) return null;
            return { data: { ...tokenParamsJSON(e), certificate: e.certificate, display_name: e.display_name,
              ...Object.fromEntries(LISTS.map((k) => [k, e[k] ?? []])) } };
          },
          create: writeCert,
          update: writeCert,
          delete: async (_r, d) => { await storage.delete(certKey(d.str('name'))); return null; },
        },
      },
      ...crlPaths(crls),
      {
        pattern: 'config',
        fields: { disable_binding: { type: 'bool' }, enable_identity_alias_metadata: { type: 'bool' } },
        operations: {
          read: async () => ({ data: { disable_binding: false, enable_identity_alias_metadata: false,
            ...(await storage.getJSON<Record<string, boolean>>('config')) } }),
          update: async (_r, d) => {
            const cur = (await storage.getJSON<Record<string, boolean>>('config')) ?? {};
            for (const k of ['disable_binding', 'enable_identity_alias_metadata']) if (d.has(k)) cur[k] = Boolean(d.get(k));
            await storage.putJSON('config', cur);
            return null;
          },
        },
      },
      {
        pattern: 'login',
        fields: { name: { type: 'string' } },
        operations: {
          update: async (req, d) => {
            const chain = peerChain(req);
            if (chain.length === 0) throw new CofferError(400, 'client certificate must be supplied');
            const m = await match(chain, d.str('name') ? [d.str('name')] : await storage.list('cert/'));
            if (m) {
              const { name: n, entry: e, leaf, exts, ids } = m;
              // As Vault: a login from outside the entry's token_bound_cidrs is refused outright.
              if (!cidrAllows(e.token_bound_cidrs, req.remoteAddr)) throw permissionDenied();
              const cn = subjectField(leaf.subject, 'CN')[0] ?? '';
              const metadata = { ...extensionMetadata(e.allowed_metadata_extensions ?? [], exts),
                cert_name: n, common_name: cn, serial_number: serialDecimal(leaf), ...ids };
              const config = await storage.getJSON<Record<string, boolean>>('config');
              return {
                auth: authFromParams(e, {
                  metadata,
                  displayName: e.display_name,
                  alias: config?.enable_identity_alias_metadata ? { name: cn, metadata } : { name: cn },
                  internal: { cert_name: n, fingerprint: leaf.fingerprint256, ...ids },
                }),
              };
            }
            throw new CofferError(400, 'invalid certificate or no client certificate supplied');
          },
        },
      },
    ],
    /**
     * Vault's renewal: unless config disable_binding is set, the renewing client presents a
     * certificate that still logs in (trusted, within the constraints, not on a CRL) and is
     * the same identity as at login (subject or authority key id); and the entry still grants
     * the token's policies.
     */
    async renewAuth(req, auth) {
      const name = String(auth.internal?.cert_name ?? '');
      const e = await getCert(name);
      if (!e) throw badRequest('certificate entry no longer exists');
      const config = await storage.getJSON<Record<string, boolean>>('config');
      if (!config?.disable_binding) {
        const chain = peerChain(req);
        if (chain.length === 0) throw badRequest('no client certificate found');
        const m = await match(chain, await storage.list('cert/'));
        if (!m) throw badRequest('invalid certificate or no client certificate supplied');
        const { ids } = m;
        if (ids.subject_key_id !== auth.internal?.subject_key_id && ids.authority_key_id !== auth.internal?.authority_key_id) {
          throw badRequest('client identity during renewal not matching client identity used during login');
        }
      }
      if (!samePolicies(e.token_policies, auth.policies)) throw badRequest('policies have changed, not renewing');
      return { ...auth, ttl: e.token_ttl, maxTTL: e.token_max_ttl, period: e.token_period };
    },
  };
};
