/**
 * Intermediate CAs signed elsewhere (e.g. by cfssl from an offline root): a key and CSR from
 * `intermediate/generate/:exported`, then the signed certificate back through
 * `intermediate/set-signed`; also `config/ca` and `issuers/import/{bundle,cert}`.
 */
import { createPrivateKey } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { caKey, caRole, checkExported, crlWarnings, NO_AIA_WARNING } from './ca-generate.js';
import { buildCreation } from './creation.js';
import type { PkiEnv } from './env.js';
import { caGenerationFields } from './fields.js';
import { checkFormat, keyTypeName } from './issuing.js';
import { checkNewName, importIssuer, importKey, rebuildChains } from './issuers.js';
import { computeNotAfter } from './ttl.js';
import { createCSR } from './x509/csr.js';
import { privateKeyDer, privateKeyPem, signerFor, spkiDer } from './x509/keys.js';
import { encodeName } from './x509/name.js';
import { decodePem, encodePem } from './x509/pem.js';

async function generateIntermediate(env: PkiEnv, req: Request, d: FieldData): Promise<Response> {
  const { store } = env;
  const exported = checkExported(req.path === 'intermediate/cross-sign' ? 'existing' : d.str('exported'));
  const format = checkFormat(d.str('format'));
  const keyName = exported === 'existing' ? '' : await checkNewName(store, 'key', d.getOk<string>('key_name'));
  const ck = await caKey(store, d, exported);
  const role = caRole(d, ck.keyType, ck.keyBits, ck.signatureBits);
  const creation = buildCreation(role, d, { allowedDomains: [], allowedUriSans: ['*'], displayName: '' });
  const warnings = [...creation.warnings];
  // Vault computes the validity here too, so an over-long ttl draws the same warning as on issue.
  warnings.push(...computeNotAfter({
    now: env.now(), ttl: d.int('ttl'), notAfter: d.str('not_after'), roleTTL: 0, roleMaxTTL: 0, roleNotAfter: '',
    mountDefaultTTL: env.ctx.system.defaultLeaseTTL(), mountMaxTTL: env.ctx.system.maxLeaseTTL(),
  }).warnings);
  const csrDer = await createCSR({
    subjectName: encodeName(creation.subject), spki: spkiDer(ck.key), sans: creation.sans,
    addBasicConstraints: d.bool('add_basic_constraints'), signer: signerFor(ck.key, ck.signatureBits, d.bool('use_pss')),
  });
  const g = await store.urlsConfig();
  if (!g.issuing_certificates.length && !g.crl_distribution_points.length && !g.ocsp_servers.length) {
    warnings.push(`${NO_AIA_WARNING} Since this certificate is an intermediate, it might be useful to regenerate this certificate after fixing this problem for the root mount.`);
  }
  const showKey = exported === 'exported';
  const keyFormat = d.str('private_key_format') === 'pkcs8' ? 'pkcs8' : 'der';
  const data: Record<string, unknown> = {};
  const csrPem = encodePem('CERTIFICATE REQUEST', csrDer);
  if (format === 'der') {
    data.csr = csrDer.toString('base64');
    if (showKey) data.private_key = privateKeyDer(ck.key, keyFormat).toString('base64');
  } else {
    const keyPem = showKey ? privateKeyPem(ck.key, keyFormat) : '';
    data.csr = format === 'pem_bundle' && showKey ? `${keyPem}\n${csrPem}` : csrPem;
    if (showKey) data.private_key = keyPem;
  }
  if (showKey) data.private_key_type = keyTypeName(ck.key);
  const key = ck.existing ?? (await importKey(store, ck.key, keyName)).entry;
  data.key_id = key.id;
  return { data, warnings: warnings.length ? warnings : undefined };
}

async function importBundle(env: PkiEnv, req: Request, d: FieldData): Promise<Response> {
  const { store } = env;
  let keysAllowed = req.path.endsWith('bundle') || req.path === 'config/ca';
  let bundle = d.str('pem_bundle');
  const certificate = d.str('certificate');
  if (!bundle && !certificate) throw badRequest("'pem_bundle' and 'certificate' parameters were empty");
  if (bundle && certificate) throw badRequest("'pem_bundle' and 'certificate' parameters were both provided");
  if (certificate) { keysAllowed = false; bundle = certificate; }
  if (bundle.length < 75) throw badRequest('provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file');

  const certs: Buffer[] = [];
  const keys: { der: Buffer; type: string }[] = [];
  let rest = bundle;
  let counter = 0;
  while (rest.trim()) {
    counter++;
    const m = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/.exec(rest);
    let block;
    try { block = m ? decodePem(m[0])[0] : undefined; } catch { block = undefined; }
    if (!m || !block) throw badRequest(`error when parsing block ${counter}: invalid PEM data`);
    rest = rest.slice(m.index + m[0].length);
    if (block.type === 'CERTIFICATE' || block.type === 'X509 CERTIFICATE') certs.push(block.der);
    else if (!['CRL', 'X509 CRL', 'EC PARAMS', 'EC PARAMETERS'].includes(block.type)) keys.push({ der: block.der, type: block.type });
  }
  if (keys.length && !keysAllowed) throw badRequest('private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle');

  const created = { keys: [] as string[], issuers: [] as string[] };
  const existing = { keys: [] as string[], issuers: [] as string[] };
  const mapping: Record<string, string> = {};
  for (const [i, k] of keys.entries()) {
    let key;
    try {
      const type = k.type === 'RSA PRIVATE KEY' ? 'pkcs1' : k.type === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8';
      key = createPrivateKey({ key: k.der, format: 'der', type });
    } catch (e) {
      throw badRequest(`Error parsing key ${i}: ${(e as Error).message}`);
    }
    const r = await importKey(store, key, '');
    (r.existing ? existing : created).keys.push(r.entry.id);
  }
  for (const [i, der] of certs.entries()) {
    let r;
    try {
      r = await importIssuer(store, der);
    } catch (e) {
      throw badRequest(`Error parsing issuer ${i}: ${(e as Error).message}\n${encodePem('CERTIFICATE', der)}\n`);
    }
    mapping[r.entry.id] = r.entry.key_id;
    (r.existing ? existing : created).issuers.push(r.entry.id);
  }
  const warnings: string[] = [];
  if (created.issuers.length) {
    await rebuildChains(store);
    const withKeys = created.issuers.filter((id) => mapping[id]);
    const cfg = await store.issuersConfig();
    if (cfg.default_follows_latest_issuer) {
      if (withKeys.length === 1) await store.putIssuersConfig({ ...cfg, default: withKeys[0]! });
      else if (withKeys.length > 1) warnings.push('Default issuer left unchanged: could not select new issuer automatically as multiple imported issuers had key material in Vault.');
    }
  }
  const cfg = await store.issuersConfig();
  if (cfg.default) {
    if (cfg.default in mapping && !mapping[cfg.default]) {
      warnings.push('The default issuer has no key associated with it. Some operations like issuing certificates and signing CRLs will be unavailable with the requested default issuer until a key is imported or the default issuer is changed.');
    }
    if (created.issuers.length > 1 && created.issuers.filter((id) => mapping[id]).length > 1 && created.issuers.includes(cfg.default)) {
      warnings.push('The imported bundle contained multiple certs matching keys, the default issuer that was selected should be verified and manually changed if incorrect.');
    }
  }
  const g = await store.urlsConfig();
  if (!g.issuing_certificates.length && !g.crl_distribution_points.length && !g.ocsp_servers.length) warnings.push(NO_AIA_WARNING);
  if (created.issuers.length) warnings.push(...crlWarnings(await env.crl.rebuild()));
  const orNull = (xs: string[]) => (xs.length ? xs : null);
  return {
    data: {
      mapping, imported_keys: orNull(created.keys), imported_issuers: orNull(created.issuers),
      existing_keys: orNull(existing.keys), existing_issuers: orNull(existing.issuers),
    },
    warnings: warnings.length ? warnings : undefined,
  };
}

export function intermediatePaths(env: PkiEnv): PathDef[] {
  const gen = (req: Request, d: FieldData) => generateIntermediate(env, req, d);
  const imp = (req: Request, d: FieldData) => importBundle(env, req, d);
  const importFields = {
    pem_bundle: { type: 'string' as const, sensitive: true, description: 'PEM-format, concatenated unencrypted secret-key (optional) and certificates.' },
    certificate: { type: 'string' as const, description: 'PEM-format certificate. This must be a CA certificate with a public key matching the previously-generated key from the generation endpoint. Additional parent CAs may be optionally appended to the bundle.' },
  };
  return [
    { pattern: 'intermediate/generate/:exported', fields: caGenerationFields, operations: { update: gen }, synopsis: 'Generate a new CSR and private key used for signing.' },
    { pattern: 'issuers/generate/intermediate/:exported', fields: caGenerationFields, operations: { update: gen }, synopsis: 'Generate a new CSR and private key used for signing.' },
    { pattern: 'intermediate/cross-sign', fields: caGenerationFields, operations: { update: gen }, synopsis: 'Generate a CSR for an existing key (cross-signing).' },
    { pattern: 'intermediate/set-signed', fields: importFields, operations: { update: imp }, synopsis: 'Provide the signed intermediate CA cert.' },
    { pattern: 'config/ca', fields: importFields, operations: { update: imp }, synopsis: 'Set the CA certificate and private key used for generated credentials.' },
    { pattern: 'issuers/import/bundle', fields: importFields, operations: { update: imp }, synopsis: 'Import the specified issuing certificates and keys.' },
    { pattern: 'issuers/import/cert', fields: importFields, operations: { update: imp }, synopsis: 'Import the specified issuing certificates.' },
  ];
}

