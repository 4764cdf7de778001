/**
 * Several issuers per mount: `issuers` LIST, `issuer/:ref` read/update/patch/delete,
 * `issuer/:ref/{json,der,pem}`, `issuer/:ref/revoke`, `config/issuers` (the default issuer).
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { crlWarnings } from './ca-generate.js';
import type { PkiEnv } from './env.js';
import { checkNewName, parseUsage, rebuildChains, usageString } from './issuers.js';
import type { IssuerEntry } from './types.js';
import { rfc3339Nano } from './ttl.js';
import { KU } from './x509/oids.js';
import { decodePem } from './x509/pem.js';
import { parseCertificate } from './x509/parse.js';
import { publicKeyFromSpki, verifySignature } from './x509/keys.js';

const SIG_ALGS = ['SHA256WithRSA', 'SHA384WithRSA', 'SHA512WithRSA', 'ECDSAWithSHA256', 'ECDSAWithSHA384', 'ECDSAWithSHA512', 'SHA256WithRSAPSS', 'SHA384WithRSAPSS', 'SHA512WithRSAPSS', 'PureEd25519'];

/** Vault stores issuer PEMs with one trailing newline, and reads of issuer/… return them so. */
const nl = (pem: string) => `${pem}\n`;

export function issuerData(i: IssuerEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    issuer_id: i.id, issuer_name: i.name, key_id: i.key_id, certificate: nl(i.certificate),
    manual_chain: i.manual_chain.length ? i.manual_chain : null, ca_chain: i.ca_chain.map(nl),
    leaf_not_after_behavior: i.leaf_not_after_behavior, usage: usageString(i.usage),
    revocation_signature_algorithm: i.revocation_signature_algorithm, revoked: i.revoked,
    issuing_certificates: i.issuing_certificates, crl_distribution_points: i.crl_distribution_points, ocsp_servers: i.ocsp_servers,
  };
  if (i.issuing_certificates.length || i.crl_distribution_points.length || i.ocsp_servers.length) data.enable_aia_url_templating = i.enable_aia_url_templating;
  if (i.revoked) {
    data.revocation_time = i.revocation_time;
    data.revocation_time_rfc3339 = i.revocation_time_utc;
  }
  return data;
}

const ISSUER_FIELDS: FieldTable = {
  ref: { type: 'string', description: 'Reference to an existing issuer; either "default" for the configured default issuer, an identifier or the name assigned to the issuer.' },
  issuer_name: { type: 'string', description: 'Provide a name to the generated or existing issuer.' },
  leaf_not_after_behavior: { type: 'string', default: 'err', description: 'Behavior of leaf\'s NotAfter fields: "err" to error if the computed NotAfter date exceeds that of this issuer; "truncate" to silently truncate to that of this issuer; or "permit" to allow this issuance to succeed.' },
  manual_chain: { type: 'strings', default: [], description: 'Chain of issuer references to use to build this issuer\'s computed CAChain field, when non-empty.' },
  usage: { type: 'strings', default: ['read-only', 'issuing-certificates', 'crl-signing', 'ocsp-signing'], description: 'Comma-separated list (or string slice) of usages for this issuer.' },
  revocation_signature_algorithm: { type: 'string', default: '', description: 'Which signature algorithm to use when building CRLs.' },
  issuing_certificates: { type: 'strings', default: [], description: 'Comma-separated list of URLs to be used for the issuing certificate attribute.' },
  crl_distribution_points: { type: 'strings', default: [], description: 'Comma-separated list of URLs to be used for the CRL distribution points attribute.' },
  ocsp_servers: { type: 'strings', default: [], description: 'Comma-separated list of URLs to be used for the OCSP servers attribute.' },
  enable_aia_url_templating: { type: 'bool', default: false, description: 'Whether or not to enable templating of the above AIA fields.' },
};

export function issuerPaths(env: PkiEnv): PathDef[] {
  const { store } = env;
  const resolve = async (ref: string): Promise<IssuerEntry> => {
    const id = await store.resolveIssuerRef(ref);
    const issuer = id ? await store.getIssuer(id) : undefined;
    if (!issuer) throw badRequest(`unable to resolve issuer id for reference: ${ref}`);
    return issuer;
  };

  const update = (patch: boolean) => async (_req: Request, d: FieldData): Promise<Response> => {
    const issuer = { ...(await resolve(d.str('ref'))) };
    const take = <T>(name: string, current: T): T => (patch && !d.has(name) ? current : d.get<T>(name));
    const warnings: string[] = [];
    if (!patch || d.has('issuer_name')) {
      issuer.name = d.has('issuer_name') ? await checkNewName(store, 'issuer', d.str('issuer_name'), issuer.id) : '';
    }
    const behavior = take('leaf_not_after_behavior', issuer.leaf_not_after_behavior);
    if (!['err', 'truncate', 'permit'].includes(behavior)) throw badRequest('Unknown value for field `leaf_not_after_behavior`. Possible values are `err`, `truncate`, and `permit`.');
    issuer.leaf_not_after_behavior = behavior;
    const usage = parseUsage(take('usage', issuer.usage));
    if (usage.join() !== [...issuer.usage].sort().join()) {
      if (issuer.revoked && usage.includes('issuing-certificates')) throw badRequest('This issuer was revoked; unable to modify its usage to include certificate signing again. Reissue this certificate (preferably with a new key) and modify that entry instead.');
      const cert = parseCertificate(decodePem(issuer.certificate)[0]!.der);
      if (!((cert.keyUsage ?? 0) & KU.crlSign) && usage.includes('crl-signing')) throw badRequest("This issuer's underlying certificate lacks the CRLSign KeyUsage value; unable to set CRLSigningUsage on this issuer as a result.");
      issuer.usage = usage;
    }
    const alg = take('revocation_signature_algorithm', issuer.revocation_signature_algorithm);
    if (alg && !SIG_ALGS.includes(alg)) throw badRequest(`Unknown signature algorithm value: ${alg} - valid values are ${SIG_ALGS.join(', ')}`);
    issuer.revocation_signature_algorithm = alg;
    for (const f of ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers'] as const) {
      const urls = take<string[]>(f, issuer[f]);
      const bad = urls.find((u) => { try { new URL(u); return false; } catch { return !u.includes('{{'); } });
      if (bad) throw badRequest(`invalid URL found in Authority Information Access (AIA) parameter ${f}: ${bad}`);
      issuer[f] = urls;
    }
    issuer.enable_aia_url_templating = take('enable_aia_url_templating', issuer.enable_aia_url_templating);
    const chain = take<string[]>('manual_chain', issuer.manual_chain);
    const manual: string[] = [];
    for (const [i, r] of chain.entries()) {
      const id = i === 0 && r === 'self' ? issuer.id : await store.resolveIssuerRef(r);
      if (!id) throw badRequest(`unable to find PKI issuer for reference: ${r}`);
      if (i === 0 && id !== issuer.id) throw badRequest(`expected first cert in chain to be a self-reference, but was: ${r}/${id}`);
      manual.push(id);
    }
    const chainChanged = manual.join() !== issuer.manual_chain.join();
    issuer.manual_chain = manual;
    await store.putIssuer(issuer);
    if (chainChanged) await rebuildChains(store);
    return { data: issuerData((await store.getIssuer(issuer.id))!), warnings: warnings.length ? warnings : undefined };
  };

  const rawIssuer = async (req: Request, d: FieldData): Promise<Response> => {
    const issuer = await resolve(d.str('ref'));
    const kind = req.path.split('/').pop();
    if (kind === 'json') return { data: { certificate: nl(issuer.certificate), ca_chain: issuer.ca_chain.map(nl), issuer_id: issuer.id, issuer_name: issuer.name } };
    if (kind === 'pem') return { raw: { status: 200, contentType: 'application/pem-certificate-chain', body: nl(issuer.certificate) } };
    return { raw: { status: 200, contentType: 'application/pkix-cert', body: decodePem(issuer.certificate)[0]!.der } };
  };

  return [
    {
      pattern: 'issuers',
      operations: {
        list: async () => {
          const issuers = await store.listIssuers();
          if (!issuers.length) return null;
          const def = (await store.issuersConfig()).default;
          const info: Record<string, unknown> = {};
          for (const i of issuers) info[i.id] = { issuer_name: i.name, is_default: i.id === def, serial_number: i.serial_number, key_id: i.key_id };
          return { data: { keys: issuers.map((i) => i.id), key_info: info } };
        },
      },
      synopsis: 'Fetch a list of CA certificates.',
    },
    { pattern: 'issuer/:ref/json', fields: { ref: ISSUER_FIELDS.ref! }, operations: { read: rawIssuer }, synopsis: 'Fetch a single issuer certificate.' },
    { pattern: 'issuer/:ref/der', fields: { ref: ISSUER_FIELDS.ref! }, operations: { read: rawIssuer }, synopsis: 'Fetch a single issuer certificate.' },
    { pattern: 'issuer/:ref/pem', fields: { ref: ISSUER_FIELDS.ref! }, operations: { read: rawIssuer }, synopsis: 'Fetch a single issuer certificate.' },
    {
      pattern: 'issuer/:ref/revoke',
      fields: { ref: ISSUER_FIELDS.ref! },
      operations: {
        update: async (_r, d) => {
          const issuer = { ...(await resolve(d.str('ref'))) };
          if (issuer.revoked) return { data: issuerData(issuer) };
          const now = env.now();
          issuer.revoked = true;
          issuer.usage = issuer.usage.filter((u) => u !== 'issuing-certificates');
          issuer.revocation_time = Math.floor(now / 1000);
          issuer.revocation_time_utc = rfc3339Nano(now);
          await store.putIssuer(issuer);
          const stored = await store.getCert(issuer.serial_number);
          const li = (await store.loadIssuer(issuer.id))!;
          if (stored && Buffer.from(stored).equals(li.cert.der)) {
            await store.putRevoked(issuer.serial_number, { certificate: li.cert.der.toString('base64'), revocation_time: issuer.revocation_time, revocation_time_utc: issuer.revocation_time_utc, issuer_id: '' });
          }
          const warnings = crlWarnings(await env.crl.rebuild());
          let selfSigned = false;
          let otherParent = false;
          for (const other of await store.listIssuers()) {
            const o = (await store.loadIssuer(other.id))!;
            if (li.cert.issuer.der.equals(o.cert.subject.der) && verifySignature(li.cert.sigAlg, li.cert.tbs, li.cert.signature, publicKeyFromSpki(o.cert.spki))) {
              if (o.entry.id === issuer.id) selfSigned = true; else otherParent = true;
            }
          }
          if (selfSigned) warnings.push("This issuer is a self-signed (potentially root) certificate. This means it may not be considered revoked if there is not an external, cross-signed variant of this certificate. This issuer's serial number will not appear on its own CRL.");
          if (!otherParent) warnings.push('This issuer lacks another parent issuer within the mount. This means it will not appear on any other CRLs and may not be considered revoked by clients. Consider adding this issuer to its issuer\'s CRL as well if it is not self-signed.');
          if ((await store.issuersConfig()).default === issuer.id) warnings.push('This issuer is currently configured as the default issuer for this mount; operations such as certificate issuance may not work until a new default issuer is selected.');
          return { data: issuerData(issuer), warnings };
        },
      },
      synopsis: 'Revoke the specified issuer certificate.',
    },
    {
      pattern: 'issuer/:ref',
      fields: ISSUER_FIELDS,
      operations: {
        read: async (_r, d) => ({ data: issuerData(await resolve(d.str('ref'))) }),
        update: update(false),
        patch: update(true),
        delete: async (_r, d) => {
          const ref = d.str('ref');
          const id = await store.resolveIssuerRef(ref);
          if (!id) return null;
          const warnings: string[] = [];
          const cfg = await store.issuersConfig();
          await store.deleteIssuer(id);
          if (cfg.default === id) {
            await store.putIssuersConfig({ ...cfg, default: '' });
            warnings.push(`Deleted issuer ${id} (via issuer_ref ${ref}); this was configured as the default issuer. Operations without an explicit issuer will not work until a new default is configured.`);
          }
          await rebuildChains(store);
          warnings.push(...crlWarnings(await env.crl.rebuild()));
          return warnings.length ? { warnings } : null;
        },
      },
      synopsis: 'Fetch, update or delete a single issuer.',
    },
    {
      pattern: 'config/issuers',
      fields: {
        default: { type: 'string', description: 'Reference (name or identifier) to the default issuer.' },
        default_follows_latest_issuer: { type: 'bool', default: false, description: 'Whether the default issuer should automatically follow the latest generated or imported issuer.' },
      },
      operations: {
        read: async () => {
          const cfg = await store.issuersConfig();
          return { data: { default: cfg.default, default_follows_latest_issuer: cfg.default_follows_latest_issuer } };
        },
        update: async (_r, d) => {
          const cfg = { ...(await store.issuersConfig()) };
          if (d.has('default')) {
            const ref = d.str('default');
            if (!ref) throw badRequest('Invalid issuer specification; must be non-empty and can\'t be \'default\'.');
            const id = await store.resolveIssuerRef(ref);
            if (!id) throw badRequest(`Error resolving issuer reference: unable to find PKI issuer for reference: ${ref}`);
            cfg.default = id;
          }
          if (d.has('default_follows_latest_issuer')) cfg.default_follows_latest_issuer = d.bool('default_follows_latest_issuer');
          await store.putIssuersConfig(cfg);
          const warnings: string[] = [];
          const def = cfg.default ? await store.getIssuer(cfg.default) : undefined;
          if (def && !def.key_id) warnings.push('Issuer is not associated with a key; operations such as issuance and CRL signing will not work with this issuer.');
          return { data: { default: cfg.default, default_follows_latest_issuer: cfg.default_follows_latest_issuer }, warnings: warnings.length ? warnings : undefined };
        },
      },
      synopsis: 'Read and set the default issuer certificate for signing.',
    },
  ];
}

