/**
 * Reading certificates: `ca`, `ca/pem`, `ca_chain`, `cert/ca`, `cert/ca_chain`, `cert/:serial`
 * (JSON, `/raw` DER, `/raw/pem`), and the `certs` / `certs/revoked` listings. Raw forms answer
 * 204 with an empty body when there is nothing (no CA yet), as Vault does.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest, CofferError } from '../../lib/errors.js';
import type { CrlBuilder } from './crl-builder.js';
import { listResponse, type PkiEnv } from './env.js';
import { serialColon } from './store.js';
import { certPem, decodePem, encodePem } from './x509/pem.js';

type Kind = 'json' | 'der' | 'pem';

const raw = (status: number, contentType: string, body: Buffer | string): Response => ({ raw: { status: body.length ? status : 204, contentType, body } });

export function fetchPaths(env: PkiEnv, crl: CrlBuilder): PathDef[] {
  const { store } = env;

  const defaultIssuer = async () => {
    const id = await store.resolveIssuerRef('default');
    return id ? store.getIssuer(id) : undefined;
  };

  /** `ca`/`ca_chain`/`crl`/`delta-crl`, which `cert/:serial` also answers to. */
  const special = async (serial: string, kind: Kind, rawContentType?: string): Promise<Response | null | undefined> => {
    if (serial === 'ca' || serial === 'ca_chain') {
      const issuer = await defaultIssuer();
      if (serial === 'ca_chain') {
        const chain = issuer ? issuer.ca_chain.join('\n') : '';
        if (rawContentType) return raw(200, rawContentType, chain);
        if (!issuer) throw badRequest('no default issuer currently configured');
        return { data: { certificate: chain, ca_chain: chain, revocation_time: 0, revocation_time_rfc3339: '' } };
      }
      const der = issuer ? decodePem(issuer.certificate)[0]!.der : Buffer.alloc(0);
      if (kind === 'der') return raw(200, 'application/pkix-cert', der);
      if (kind === 'pem') return raw(200, 'application/pem-certificate-chain', der.length ? certPem(der) : '');
      if (!issuer) throw badRequest('no default issuer currently configured');
      return { data: { certificate: issuer.certificate, revocation_time: 0, revocation_time_rfc3339: '' } };
    }
    if (serial === 'crl' || serial === 'delta-crl') {
      const issuer = await defaultIssuer();
      const der = issuer ? Buffer.from((await crl.crlFor(issuer, serial === 'delta-crl')) ?? []) : Buffer.alloc(0);
      if (kind === 'der') return raw(200, 'application/pkix-crl', der);
      const pem = der.length ? `${encodePem('X509 CRL', der)}\n` : '';
      if (kind === 'pem') return raw(200, 'application/x-pem-file', pem);
      return { data: { certificate: pem, revocation_time: 0, revocation_time_rfc3339: '' } };
    }
    return undefined;
  };

  const bySerial = (kind: Kind) => async (_req: Request, d: FieldData): Promise<Response | null> => {
    const serial = d.str('serial');
    if (!serial) throw badRequest('The serial number must be provided');
    const s = await special(serial, kind);
    if (s !== undefined) return s;
    if (!/^[0-9A-Fa-f:-]+$/.test(serial)) throw new CofferError(404, 'unsupported path');
    const der = await store.getCert(serial);
    if (!der) return kind === 'json' ? null : raw(200, kind === 'der' ? 'application/pkix-cert' : 'application/pem-certificate-chain', '');
    if (kind === 'der') return raw(200, 'application/pkix-cert', Buffer.from(der));
    if (kind === 'pem') return raw(200, 'application/pem-certificate-chain', certPem(der));
    const revoked = await store.getRevoked(serial);
    const data: Record<string, unknown> = {
      certificate: certPem(der), revocation_time: revoked?.revocation_time ?? 0,
      revocation_time_rfc3339: revoked?.revocation_time_utc ?? '',
    };
    if (revoked?.issuer_id) data.issuer_id = revoked.issuer_id;
    return { data };
  };

  const listCerts = (revoked: boolean) => async () => listResponse((revoked ? await store.listRevoked() : await store.listCerts()).map(serialColon));
  const serialField = { serial: { type: 'string' as const, description: 'Certificate serial number, in colon- or hyphen-separated octal' } };

  return [
    { pattern: 'ca', operations: { read: async () => (await special('ca', 'der'))! }, synopsis: 'Fetch the default CA certificate (DER).' },
    { pattern: 'ca/pem', operations: { read: async () => (await special('ca', 'pem'))! }, synopsis: 'Fetch the default CA certificate (PEM).' },
    { pattern: 'ca_chain', operations: { read: async () => (await special('ca_chain', 'pem', 'application/pkix-cert'))! }, synopsis: 'Fetch the CA chain (PEM).' },
    { pattern: 'cert/ca_chain', operations: { read: async () => (await special('ca_chain', 'json'))! }, synopsis: 'Fetch the CA chain.' },
    { pattern: 'certs', operations: { list: listCerts(false) }, synopsis: 'Fetch a list of all issued certificates.' },
    { pattern: 'certs/revoked', operations: { list: listCerts(true) }, synopsis: 'Fetch a list of all revoked certificates.' },
    { pattern: 'cert/:serial/raw/pem', fields: serialField, operations: { read: bySerial('pem') }, synopsis: 'Fetch a certificate (PEM).' },
    { pattern: 'cert/:serial/raw', fields: serialField, operations: { read: bySerial('der') }, synopsis: 'Fetch a certificate (DER).' },
    { pattern: 'cert/:serial', fields: serialField, operations: { read: bySerial('json') }, synopsis: 'Fetch a certificate, CA or CRL.' },
  ];
}

