/**
 * The OCSP responder (RFC 6960) at `ocsp`: GET with the base64 DER request in the path,
 * POST with the DER body. Answers are signed by the issuer the request names; a serial
 * not on the revocation list is `good`, as in Vault.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { parseDuration } from '../../lib/duration.js';
import type { PkiEnv } from './env.js';
import type { LoadedIssuer } from './store.js';
import { serialToColon } from './x509/parse.js';
import { spkiKeyBits } from './x509/keys.js';
import { createOcspResponse, hashWith, OCSP_ERROR, ocspErrorResponse, OcspParseError, parseOcspRequest, type OcspCertId, type OcspStatus } from './x509/ocsp.js';

const CONTENT_TYPE = 'application/ocsp-response';
const MAX_REQUEST = 64 * 1024;

const reply = (status: number, body: Buffer): Response => ({ raw: { status, contentType: CONTENT_TYPE, body } });

export function ocspPaths(env: PkiEnv): PathDef[] {
  const { store } = env;

  const usableIssuers = async (): Promise<LoadedIssuer[]> => {
    const out: LoadedIssuer[] = [];
    for (const i of await store.listIssuers()) {
      const li = await store.loadIssuer(i.id);
      if (li?.key && i.usage.includes('ocsp-signing') && li.key.asymmetricKeyType !== 'ed25519') out.push(li);
    }
    return out;
  };

  const answer = async (der: Buffer | undefined): Promise<Response> => {
    const cfg = await store.crlConfig();
    if (cfg.ocsp_disable) return reply(401, ocspErrorResponse(OCSP_ERROR.unauthorized));
    if (!der || !der.length || der.length > MAX_REQUEST) return reply(400, ocspErrorResponse(OCSP_ERROR.malformedRequest));
    let certId: OcspCertId;
    try {
      certId = parseOcspRequest(der);
    } catch (e) {
      if (e instanceof OcspParseError) return reply(400, ocspErrorResponse(OCSP_ERROR.malformedRequest));
      throw e;
    }
    try {
      const issuers = await usableIssuers();
      if (!issuers.length) return reply(401, ocspErrorResponse(OCSP_ERROR.unauthorized));
      const matched = issuers.find((i) =>
        hashWith(certId.hashAlg, i.cert.subject.der).equals(certId.issuerNameHash) && hashWith(certId.hashAlg, spkiKeyBits(i.cert.spki)).equals(certId.issuerKeyHash));
      let status: OcspStatus;
      let signer: LoadedIssuer;
      if (!matched) {
        const defId = await store.resolveIssuerRef('default');
        signer = issuers.find((i) => i.entry.id === defId) ?? issuers[0]!;
        status = { status: 'unknown' };
      } else {
        signer = matched;
        const revoked = await store.getRevoked(serialToColon(certId.serial));
        status = revoked ? { status: 'revoked', revokedAt: revoked.revocation_time * 1000 } : { status: 'good' };
      }
      const now = env.now();
      const expiry = parseDuration(cfg.ocsp_expiry) * 1000;
      const body = await createOcspResponse({
        certId, status, responderKeyHash: signer.keyHash, thisUpdate: now, nextUpdate: expiry ? now + expiry : 0,
        producedAt: Math.floor(now / 60000) * 60000,
      }, signer.crlSigner());
      return reply(200, body);
    } catch (e) {
      env.ctx.logger.error({ err: (e as Error).message }, 'pki: OCSP response failed');
      return reply(500, ocspErrorResponse(OCSP_ERROR.internalError));
    }
  };

  const fromPath = (d: FieldData): Buffer | undefined => {
    let s = d.str('req');
    try { s = decodeURIComponent(s); } catch { return undefined; }
    if (!/^[A-Za-z0-9+/=\s]+$/.test(s)) return undefined;
    return Buffer.from(s, 'base64');
  };

  return [
    {
      pattern: 'ocsp/*req',
      fields: { req: { type: 'string', description: 'base-64 encoded ocsp request' } },
      operations: { read: async (_r, d) => answer(fromPath(d)) },
      synopsis: 'Query a certificate\'s revocation status through OCSP.',
    },
    {
      pattern: 'ocsp',
      operations: { update: async (req: Request) => answer(req.rawBody), read: async () => answer(undefined) },
      synopsis: 'Query a certificate\'s revocation status through OCSP.',
    },
  ];
}
