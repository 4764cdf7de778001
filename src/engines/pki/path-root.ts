/**
 * Root CAs: `root/generate/:exported` (and its `issuers/generate/root/…`, `root/rotate/…`
 * forms), `root/replace`, `DELETE root`, and signing other CAs: `root/sign-intermediate`,
 * `root/sign-self-issued` with their `issuer/:ref/…` forms.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { aiaFor, hasAia } from './aia.js';
import { caKey, caKeyUsage, caRole, checkExported, crlWarnings, EMPTY_SUBJECT_WARNING, NO_AIA_WARNING } from './ca-generate.js';
import { buildCreation } from './creation.js';
import type { PkiEnv } from './env.js';
import { caGenerationFields } from './fields.js';
import { checkFormat, signCertificate } from './issuing.js';
import { checkNewName, importIssuer, importKey, rebuildChains } from './issuers.js';
import { signIntermediatePaths } from './path-sign-intermediate.js';
import { computeNotAfter, computeNotBefore } from './ttl.js';
import type { AiaUrls } from './x509/cert-builder.js';
import { privateKeyDer, privateKeyPem, signerFor, spkiDer } from './x509/keys.js';
import { encodeName } from './x509/name.js';
import { certPem } from './x509/pem.js';
import { keyTypeName } from './issuing.js';

async function generateRoot(env: PkiEnv, req: Request, d: FieldData): Promise<Response> {
  const { store } = env;
  const exported = checkExported(d.str('exported'));
  const format = checkFormat(d.str('format'));
  let issuerName = await checkNewName(store, 'issuer', d.getOk<string>('issuer_name'));
  if (req.path.startsWith('root/rotate/') && !issuerName && !(await store.resolveIssuerRef('next'))) issuerName = 'next';
  const keyName = exported === 'existing' ? '' : await checkNewName(store, 'key', d.getOk<string>('key_name'));
  const ck = await caKey(store, d, exported);
  const role = caRole(d, ck.keyType, ck.keyBits, ck.signatureBits);
  const creation = buildCreation(role, d, { allowedDomains: [], allowedUriSans: ['*'], displayName: '' });
  creation.keyUsage = caKeyUsage(d);
  creation.extKeyUsage = [];
  const warnings: string[] = [...creation.warnings];
  const now = env.now();
  const { notAfter, warnings: ttlWarnings } = computeNotAfter({
    now, ttl: d.int('ttl'), notAfter: d.str('not_after'), roleTTL: 0, roleMaxTTL: 0, roleNotAfter: '',
    mountDefaultTTL: env.ctx.system.defaultLeaseTTL(), mountMaxTTL: env.ctx.system.maxLeaseTTL(),
  });
  warnings.push(...ttlWarnings);
  const notBefore = computeNotBefore(now, d.int('not_before_duration'), notAfter);
  let aia: AiaUrls;
  try {
    aia = await aiaFor(store, undefined);
  } catch {
    aia = { issuingCertificates: [], crlDistributionPoints: [], ocspServers: [] };
    warnings.push('When generating root CA, found global AIA configuration with issuer_id template unsuitable for root generation. This AIA configuration has been ignored. To include AIA on this root CA, set the global AIA configuration to not include issuer_id and instead to refer to a static issuer name.');
  }
  const maxPathLen = d.int('max_path_length');
  const signer = signerFor(ck.key, ck.signatureBits, d.bool('use_pss'));
  const { der, serial } = await signCertificate({
    creation, spki: spkiDer(ck.key),
    notBefore, notAfter, isCA: true, maxPathLen: maxPathLen < 0 ? -1 : maxPathLen,
    permittedDnsDomains: d.list('permitted_dns_domains'), aia, selfSigner: signer,
  });
  const keyEntry = ck.existing ?? (await importKey(store, ck.key, keyName)).entry;
  const { entry: issuer } = await importIssuer(store, der, { name: issuerName, revocationSignatureAlgorithm: signer.name });
  await store.putCert(serial, der);
  env.ctx.logger.info({ serial_number: serial, issuer_id: issuer.id, path: req.path }, 'pki: root CA certificate generated');
  const cfg = await store.issuersConfig();
  if (cfg.default_follows_latest_issuer) await store.putIssuersConfig({ ...cfg, default: issuer.id });
  await rebuildChains(store);

  if (encodeName(creation.subject).length <= 2) warnings.push(EMPTY_SUBJECT_WARNING);
  if (!hasAia(aia)) warnings.push(NO_AIA_WARNING);
  const pem = certPem(der);
  const data: Record<string, unknown> = { expiration: Math.floor(notAfter / 1000), serial_number: serial };
  const keyFormat = d.str('private_key_format') === 'pkcs8' ? 'pkcs8' : 'der';
  const showKey = exported === 'exported';
  if (format === 'der') {
    data.certificate = der.toString('base64');
    data.issuing_ca = der.toString('base64');
    if (showKey) data.private_key = privateKeyDer(ck.key, keyFormat).toString('base64');
  } else {
    const keyPem = showKey ? privateKeyPem(ck.key, keyFormat) : '';
    data.certificate = format === 'pem_bundle' && showKey ? `${keyPem}\n${pem}` : pem;
    data.issuing_ca = pem;
    if (showKey) data.private_key = keyPem;
  }
  if (showKey) data.private_key_type = keyTypeName(ck.key);
  Object.assign(data, { issuer_id: issuer.id, issuer_name: issuer.name, key_id: keyEntry.id, key_name: keyEntry.name });
  warnings.push(...crlWarnings(await env.crl.rebuild()));
  if (maxPathLen === 0) warnings.push('Max path length of the generated certificate is zero. This certificate cannot be used to issue intermediate CA certificates.');
  return { data, warnings: warnings.length ? warnings : undefined };
}

export function rootPaths(env: PkiEnv): PathDef[] {
  const gen = (req: Request, d: FieldData) => generateRoot(env, req, d);
  const fields: FieldTable = caGenerationFields;
  return [
    { pattern: 'root/generate/:exported', fields, operations: { update: gen }, synopsis: 'Generate a new CA certificate and private key used for signing.' },
    { pattern: 'issuers/generate/root/:exported', fields, operations: { update: gen }, synopsis: 'Generate a new CA certificate and private key used for signing.' },
    { pattern: 'root/rotate/:exported', fields, operations: { update: gen }, synopsis: 'Generate a new root CA (named "next" unless named otherwise).' },
    {
      pattern: 'root/replace',
      fields: { default: { type: 'string', default: 'next', description: 'Reference (name or identifier) to the default issuer.' } },
      operations: {
        update: async (_r, d) => {
          const ref = d.str('default') || 'next';
          const id = await env.store.resolveIssuerRef(ref);
          if (!id) throw badRequest(`unable to find PKI issuer for reference: ${ref}`);
          const cfg = await env.store.issuersConfig();
          await env.store.putIssuersConfig({ ...cfg, default: id });
          return { data: { default: id, default_follows_latest_issuer: cfg.default_follows_latest_issuer } };
        },
      },
      synopsis: 'Replace the current default issuer with a new one.',
    },
    {
      pattern: 'root',
      operations: {
        delete: async () => {
          await env.store.clearCA();
          return { warnings: ['DELETE /root deletes all keys and issuers; prefer the new DELETE /key/:key_ref and DELETE /issuer/:issuer_ref for finer granularity, unless removal of all keys and issuers is desired.'] };
        },
      },
      synopsis: 'Deletes the root CA key to allow a new one to be generated.',
    },
    ...signIntermediatePaths(env),
  ];
}
