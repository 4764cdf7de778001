/** Signing other CAs: `root/sign-intermediate`, `root/sign-self-issued` and their `issuer/:ref/…` forms. */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { aiaFor, hasAia } from './aia.js';
import { caKeyUsage, caRole, EMPTY_SUBJECT_WARNING, NO_AIA_WARNING } from './ca-generate.js';
import { buildCreation } from './creation.js';
import { checkCsrKey, checkCsrSignature, csrKey, parseCsrInput } from './csr-input.js';
import type { PkiEnv } from './env.js';
import { signIntermediateFields } from './fields.js';
import { signCertificate, signingIssuer } from './issuing.js';
import { computeNotAfter, computeNotBefore } from './ttl.js';
import { OID } from './x509/oids.js';
import { readNamedBits, parseTop } from './x509/der.js';
import { certPem, decodePem } from './x509/pem.js';
import { parseCertificate } from './x509/parse.js';
import { resignCertificate } from './x509/resign.js';
import { keyInfo, publicKeyFromSpki } from './x509/keys.js';
import type { PemBlock } from './x509/pem.js';

const b64 = (pem: string) => decodePem(pem)[0]!.der.toString('base64');

async function signIntermediate(env: PkiEnv, req: Request, d: FieldData, ref: string): Promise<Response> {
  const format = d.str('format');
  if (!['pem', 'der', 'pem_bundle'].includes(format)) throw badRequest('The "format" path parameter must be "pem" or "der"');
  const issuer = await signingIssuer(env.store, ref);
  const role = { ...caRole(d, 'any', 0, d.int('signature_bits')), use_csr_common_name: !d.str('common_name') };
  const csr = parseCsrInput(d.str('csr'));
  checkCsrKey('any', 0, csrKey(csr));
  const useCsrValues = d.bool('use_csr_values');
  const creation = buildCreation(role, d, { allowedDomains: [], allowedUriSans: ['*'], displayName: '' }, csr);
  const warnings = [...creation.warnings];
  creation.extKeyUsage = [];
  creation.keyUsage = caKeyUsage(d);
  let extra;
  if (useCsrValues) {
    const ku = csr.extensions.find((e) => e.oid === OID.keyUsage);
    if (ku) creation.keyUsage |= readNamedBits(parseTop(ku.value));
    creation.sans = { dnsNames: csr.dnsNames, emails: csr.emails, ips: csr.ips, uris: csr.uris, otherNames: csr.otherNames };
    extra = csr.extensions.filter((e) => ![OID.basicConstraints, OID.subjectAltName, OID.keyUsage].includes(e.oid as never));
  }
  const now = env.now();
  // Intermediates may outlive their issuer (Vault overrides leaf_not_after_behavior to permit here).
  const { notAfter, warnings: ttlWarnings } = computeNotAfter({
    now, ttl: d.int('ttl'), notAfter: d.str('not_after'), roleTTL: 0, roleMaxTTL: 0, roleNotAfter: '',
    mountDefaultTTL: env.ctx.system.defaultLeaseTTL(), mountMaxTTL: env.ctx.system.maxLeaseTTL(),
    issuer: { notAfter: issuer.cert.notAfter, behavior: 'permit' },
  });
  warnings.push(...ttlWarnings);
  const notBefore = computeNotBefore(now, d.int('not_before_duration'), notAfter);
  const parentPath = issuer.cert.maxPathLen;
  if (issuer.cert.basicConstraintsValid && parentPath === 0) throw badRequest('signing certificate has a max path length of zero, and cannot issue further CA certificates');
  const maxPathLen = d.has('max_path_length') ? d.int('max_path_length') : parentPath < 0 ? -1 : parentPath - 1;
  let skid: Buffer | undefined;
  if (d.str('skid')) {
    const hex = d.str('skid').replace(/[:\- ]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw badRequest('cannot parse requested SKID value as hex: encoding/hex: invalid byte');
    skid = Buffer.from(hex, 'hex');
  }
  checkCsrSignature(csr);
  const aia = await aiaFor(env.store, issuer.entry);
  const { der, serial } = await signCertificate({
    creation, subjectDer: useCsrValues ? csr.subject.der : undefined, spki: csr.spki, notBefore, notAfter, isCA: true,
    maxPathLen: maxPathLen < 0 ? -1 : maxPathLen, permittedDnsDomains: d.list('permitted_dns_domains'), aia, extra, skid,
    issuer, signatureBits: role.signature_bits, usePss: d.bool('use_pss'),
  });
  await env.store.putCert(serial, der);
  env.ctx.logger.info({ serial_number: serial, issuer_id: issuer.entry.id, path: req.path }, 'pki: intermediate CA certificate signed');

  if (issuer.cert.notAfter < Math.floor(notAfter / 1000) * 1000) {
    warnings.push("The expiration time for the signed certificate is after the CA's expiration time. If the new certificate is not treated as a root, validation paths with the certificate past the issuing CA's expiration time will fail.");
  }
  if (parseCertificate(der).subject.der.length <= 2) warnings.push(EMPTY_SUBJECT_WARNING);
  if (!hasAia(aia)) warnings.push(NO_AIA_WARNING);
  const pem = certPem(der);
  const chain = [pem, ...issuer.entry.ca_chain];
  const data: Record<string, unknown> = { expiration: Math.floor(notAfter / 1000), serial_number: serial };
  if (format === 'der') {
    data.certificate = der.toString('base64');
    data.issuing_ca = b64(issuer.entry.certificate);
    data.ca_chain = chain.map(b64);
  } else {
    data.certificate = format === 'pem_bundle' ? chain.join('\n') : pem;
    data.issuing_ca = issuer.entry.certificate;
    data.ca_chain = chain;
  }
  if (maxPathLen === 0) warnings.push('Max path length of the signed certificate is zero. This certificate cannot be used to issue intermediate CA certificates.');
  return { data, warnings: warnings.length ? warnings : undefined };
}

async function signSelfIssued(env: PkiEnv, d: FieldData, ref: string): Promise<Response> {
  let blocks: PemBlock[];
  try { blocks = decodePem(d.str('certificate')); } catch { blocks = []; }
  if (!blocks.length || !blocks[0]!.der.length) throw badRequest('certificate could not be PEM-decoded');
  let cert;
  try { cert = parseCertificate(blocks[0]!.der); } catch (e) { throw badRequest(`error parsing certificate: ${(e as Error).message}`); }
  const count = blocks.filter((b) => b.type === 'CERTIFICATE').length;
  if (count !== 1) throw badRequest(`${count} certificates found in PEM file, expected 1`);
  if (!cert.isCA) throw badRequest('given certificate is not a CA certificate');
  if (!cert.issuer.der.equals(cert.subject.der)) throw badRequest('given certificate is not self-issued');
  const issuer = await signingIssuer(env.store, ref);
  if (d.bool('require_matching_certificate_algorithms') && keyInfo(publicKeyFromSpki(cert.spki)).type !== keyInfo(issuer.key!).type) {
    throw badRequest(`signing certificate's public key algorithm (${keyInfo(issuer.key!).type}) does not match submitted certificate's (${keyInfo(publicKeyFromSpki(cert.spki)).type}), and require_matching_certificate_algorithms is true`);
  }
  const der = await resignCertificate(cert.der, issuer.cert.subject.der, issuer.cert.skid, await aiaFor(env.store, issuer.entry), issuer.signer());
  return { data: { certificate: certPem(der), issuing_ca: issuer.entry.certificate } };
}

export function signIntermediatePaths(env: PkiEnv): PathDef[] {
  const ref = (d: FieldData) => ('ref' in d.captures ? d.captures.ref! : 'default');
  const selfFields = {
    certificate: { type: 'string' as const, default: '', description: 'PEM-format self-issued certificate to be signed.' },
    require_matching_certificate_algorithms: { type: 'bool' as const, default: false, description: 'If true, require the public key algorithm of the signer to match that of the self issued certificate.' },
  };
  const withRef = <T extends object>(f: T) => ({ ...f, ref: { type: 'string' as const, description: 'Reference to an existing issuer.' } });
  const si = (req: Request, d: FieldData) => signIntermediate(env, req, d, ref(d));
  const ss = (_req: Request, d: FieldData) => signSelfIssued(env, d, ref(d));
  return [
    { pattern: 'root/sign-intermediate', fields: signIntermediateFields, operations: { update: si }, synopsis: 'Issue an intermediate CA certificate based on the provided CSR.' },
    { pattern: 'issuer/:ref/sign-intermediate', fields: withRef(signIntermediateFields), operations: { update: si }, synopsis: 'Issue an intermediate CA certificate based on the provided CSR.' },
    { pattern: 'root/sign-self-issued', fields: selfFields, operations: { update: ss }, synopsis: 'Signs another CA\'s self-issued certificate.' },
    { pattern: 'issuer/:ref/sign-self-issued', fields: withRef(selfFields), operations: { update: ss }, synopsis: 'Signs another CA\'s self-issued certificate.' },
  ];
}

