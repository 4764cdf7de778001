/**
 * Revocation: `revoke` (by serial or by certificate), `revoke-with-key` (proof of the private
 * key), and the same operation for leases of certificates issued with `generate_lease`.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { crlWarnings } from './ca-generate.js';
import type { PkiEnv } from './env.js';
import { serialColon } from './store.js';
import { rfc3339Nano } from './ttl.js';
import { publicKeyFromSpki, spkiDer, verifySignature } from './x509/keys.js';
import { parseCertificate, serialToColon, type ParsedCert } from './x509/parse.js';
import { decodePem } from './x509/pem.js';

/** The issuer in this mount whose key signed the certificate, if any. */
async function signingIssuerId(env: PkiEnv, cert: ParsedCert): Promise<string | undefined> {
  for (const i of await env.store.listIssuers()) {
    const li = await env.store.loadIssuer(i.id);
    if (!li || !cert.issuer.der.equals(li.cert.subject.der)) continue;
    if (verifySignature(cert.sigAlg, cert.tbs, cert.signature, publicKeyFromSpki(li.cert.spki))) return i.id;
  }
  return undefined;
}

/** Vault's revokeCert: refuses issuers, is idempotent, skips expired certificates. */
export async function revokeCertificate(env: PkiEnv, cert: ParsedCert): Promise<Response> {
  const { store } = env;
  const serial = serialToColon(cert.serial);
  for (const i of await store.listIssuers()) {
    if (i.serial_number === serial && parseCertificate(decodePem(i.certificate)[0]!.der).der.equals(cert.der)) {
      throw badRequest(`adding issuer (id: ${i.id}) to its own CRL is not allowed`);
    }
  }
  const existing = await store.getRevoked(serial);
  if (existing) {
    return { data: { revocation_time: existing.revocation_time, revocation_time_rfc3339: existing.revocation_time_utc, state: 'revoked' } };
  }
  const now = env.now();
  if (cert.notAfter < now) {
    return { warnings: [`certificate with serial ${serial} already expired; refusing to add to CRL`] };
  }
  const issuerId = (await signingIssuerId(env, cert)) ?? '';
  const entry = { certificate: cert.der.toString('base64'), revocation_time: Math.floor(now / 1000), revocation_time_utc: rfc3339Nano(now), issuer_id: issuerId };
  await store.putRevoked(serial, entry);
  env.ctx.logger.info({ serial_number: serial, issuer_id: issuerId }, 'pki: certificate revoked');
  let warnings: string[];
  try {
    warnings = crlWarnings(await env.crl.onRevocation());
  } catch (e) {
    throw badRequest(`Error during CRL building: ${(e as Error).message}`);
  }
  return {
    data: { revocation_time: entry.revocation_time, revocation_time_rfc3339: entry.revocation_time_utc, state: 'revoked' },
    warnings: warnings.length ? warnings : undefined,
  };
}

/** Revocation by serial: the stored certificate must exist. */
export async function revokeSerial(env: PkiEnv, serialIn: string): Promise<Response> {
  const serial = serialColon(serialIn);
  const der = await env.store.getCert(serial);
  if (!der) throw badRequest(`certificate with serial ${serial} not found.`);
  return revokeCertificate(env, parseCertificate(der));
}

async function certFromRequest(env: PkiEnv, d: FieldData): Promise<ParsedCert> {
  const serial = d.str('serial_number');
  const pem = d.str('certificate');
  if (!serial && !pem) throw badRequest('The serial number or certificate to revoke must be provided.');
  if (serial && pem) throw badRequest('Must provide either the certificate or the serial to revoke; not both.');
  if (serial) {
    const der = await env.store.getCert(serial);
    if (!der) throw badRequest(`certificate with serial ${serial} not found.`);
    return parseCertificate(der);
  }
  let cert: ParsedCert;
  try {
    const block = decodePem(pem).find((b) => b.type === 'CERTIFICATE');
    if (!block) throw new Error('no certificate found');
    cert = parseCertificate(block.der);
  } catch (e) {
    throw badRequest(`certificate could not be parsed: ${(e as Error).message}`);
  }
  if (!(await signingIssuerId(env, cert))) {
    throw badRequest('unable to verify signature on presented cert from any present issuer in this mount; certificates from previous CAs will need to have their issuing CA and key re-imported if revoked');
  }
  const stored = await env.store.getCert(serialToColon(cert.serial));
  if (stored && !Buffer.from(stored).equals(cert.der)) throw badRequest('certificate with same serial but unique contents found in this mount; refusing to revoke');
  return cert;
}

function checkKeyMatches(cert: ParsedCert, keyPem: string): void {
  if (keyPem.length < 64) throw badRequest('Provided data for private_key was too short; perhaps a path was passed to the API rather than the contents of a PEM file');
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw badRequest(`unable to parse private key: ${(e as Error).message}`);
  }
  const certKey = publicKeyFromSpki(cert.spki);
  const norm = (t?: string) => (t === 'rsa-pss' ? 'rsa' : t);
  if (norm(certKey.asymmetricKeyType) !== norm(key.asymmetricKeyType)) throw badRequest("provided private key type does not match certificate's public key type");
  if (!spkiDer(createPublicKey(key)).equals(cert.spki)) throw badRequest("provided private key does not match certificate's public key");
}

export function revokePaths(env: PkiEnv): PathDef[] {
  const fields = {
    serial_number: { type: 'string' as const, description: 'Certificate serial number, in colon- or hyphen-separated octal' },
    certificate: { type: 'string' as const, description: 'Certificate to revoke in PEM format; must be signed by an issuer in this mount.' },
  };
  return [
    {
      pattern: 'revoke',
      fields,
      operations: { update: async (_r, d) => revokeCertificate(env, await certFromRequest(env, d)) },
      synopsis: 'Revoke a certificate by serial number or with explicit certificate.',
    },
    {
      pattern: 'revoke-with-key',
      fields: { ...fields, private_key: { type: 'string', sensitive: true, description: 'Key to use to verify revocation permission; must be in PEM format.' } },
      operations: {
        update: async (_r, d) => {
          const cert = await certFromRequest(env, d);
          checkKeyMatches(cert, d.str('private_key'));
          return revokeCertificate(env, cert);
        },
      },
      synopsis: 'Revoke a certificate, proving possession of its private key.',
    },
  ];
}
