/**
 * CRLs: `crl`, `crl/pem`, `crl/delta(/pem)`, `issuer/:ref/crl(/pem|/der|/delta…)`,
 * `crl/rotate(-delta)` and `config/crl`. DER is `application/pkix-crl`, PEM `application/x-pem-file`;
 * an empty body is a 204.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { parseDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import type { CrlBuilder } from './crl-builder.js';
import type { PkiEnv } from './env.js';
import type { CrlConfig, IssuerEntry } from './types.js';
import { encodePem } from './x509/pem.js';

const pemOf = (der: Buffer) => (der.length ? `${encodePem('X509 CRL', der)}\n` : '');

function rawCrl(der: Buffer, pem: boolean): Response {
  const body = pem ? pemOf(der) : der;
  return { raw: { status: body.length ? 200 : 204, contentType: pem ? 'application/x-pem-file' : 'application/pkix-crl', body } };
}

const CRL_FIELDS: FieldTable = {
  expiry: { type: 'string', description: 'The amount of time the generated CRL should be valid; defaults to 72 hours.' },
  disable: { type: 'bool', description: 'If set to true, disables generating the CRL entirely.' },
  ocsp_disable: { type: 'bool', description: 'If set to true, ocsp unauthorized responses will be returned.' },
  ocsp_expiry: { type: 'string', description: 'The amount of time an OCSP response will be valid (controls the NextUpdate field); defaults to 12 hours.' },
  auto_rebuild: { type: 'bool', description: 'If set to true, enables automatic rebuilding of the CRL.' },
  auto_rebuild_grace_period: { type: 'string', description: 'The time before the CRL expires to automatically rebuild it, when enabled.' },
  enable_delta: { type: 'bool', description: 'Whether to enable delta CRLs between authoritative CRL rebuilds.' },
  delta_rebuild_interval: { type: 'string', description: 'The time between delta CRL rebuilds if a new revocation has occurred.' },
  cross_cluster_revocation: { type: 'bool', description: 'Whether to enable a global, cross-cluster revocation queue (accepted for compatibility).' },
  unified_crl: { type: 'bool', description: 'If set to true enables global replication of revocation entries (accepted for compatibility).' },
  unified_crl_on_existing_paths: { type: 'bool', description: 'If set to true, existing CRL and OCSP paths will return the unified CRL (accepted for compatibility).' },
};

function decode(name: string, v: string): number {
  try {
    const s = parseDuration(v);
    if (s < 0) throw new Error('negative duration');
    return s;
  } catch (e) {
    throw badRequest(`given ${name} could not be decoded: ${(e as Error).message}`);
  }
}

export function crlPaths(env: PkiEnv, crl: CrlBuilder): PathDef[] {
  const { store } = env;
  const defaultIssuer = async (): Promise<IssuerEntry | undefined> => {
    const id = await store.resolveIssuerRef('default');
    return id ? store.getIssuer(id) : undefined;
  };
  const fetchDefault = (delta: boolean, pem: boolean) => async (): Promise<Response> => {
    const issuer = await defaultIssuer();
    const der = issuer ? Buffer.from((await crl.crlFor(issuer, delta)) ?? []) : Buffer.alloc(0);
    return rawCrl(der, pem);
  };
  const fetchIssuer = async (req: Request, d: FieldData): Promise<Response> => {
    const ref = d.str('ref');
    const id = await store.resolveIssuerRef(ref);
    const issuer = id ? await store.getIssuer(id) : undefined;
    if (!issuer) throw badRequest(`unable to resolve issuer id for reference: ${ref}`);
    const rest = req.path.slice(req.path.indexOf('/crl') + 4);
    const delta = rest.startsWith('/delta');
    const der = Buffer.from((await crl.crlFor(issuer, delta)) ?? []);
    if (rest.endsWith('/der')) return rawCrl(der, false);
    if (rest.endsWith('/pem')) return rawCrl(der, true);
    return { data: { crl: pemOf(der) } };
  };
  const ref = { ref: { type: 'string' as const, description: 'Reference to an existing issuer.' } };
  const issuerCrl = (suffix: string): PathDef => ({ pattern: `issuer/:ref/crl${suffix}`, fields: ref, operations: { read: fetchIssuer }, synopsis: 'Fetch an issuer\'s Certificate Revocation Log (CRL).' });

  const configData = (c: CrlConfig) => ({ ...c });
  return [
    { pattern: 'crl', operations: { read: fetchDefault(false, false) }, synopsis: 'Fetch the current CRL (DER).' },
    { pattern: 'crl/pem', operations: { read: fetchDefault(false, true) }, synopsis: 'Fetch the current CRL (PEM).' },
    { pattern: 'crl/delta', operations: { read: fetchDefault(true, false) }, synopsis: 'Fetch the current delta CRL (DER).' },
    { pattern: 'crl/delta/pem', operations: { read: fetchDefault(true, true) }, synopsis: 'Fetch the current delta CRL (PEM).' },
    issuerCrl(''), issuerCrl('/pem'), issuerCrl('/der'), issuerCrl('/delta'), issuerCrl('/delta/pem'), issuerCrl('/delta/der'),
    {
      pattern: 'crl/rotate',
      operations: {
        read: async () => {
          const warnings = await crl.rebuild();
          return { data: { success: true }, warnings: warnings.length ? warnings : undefined };
        },
      },
      synopsis: 'Force a rebuild of the CRL.',
    },
    {
      pattern: 'crl/rotate-delta',
      operations: {
        read: async () => {
          if (!(await store.crlConfig()).enable_delta) return { data: { success: true }, warnings: ['requested rebuild of delta CRL when delta CRL is not enabled; this is a no-op'] };
          await crl.rebuildDeltas();
          return { data: { success: true } };
        },
      },
      synopsis: 'Force a rebuild of the delta CRL.',
    },
    {
      pattern: 'config/crl',
      fields: CRL_FIELDS,
      operations: {
        read: async () => ({ data: configData(await store.crlConfig()) }),
        update: async (_r, d) => {
          const c: CrlConfig = { ...(await store.crlConfig()) };
          for (const name of Object.keys(CRL_FIELDS) as (keyof CrlConfig)[]) {
            if (!d.has(name)) continue;
            if (CRL_FIELDS[name]!.type === 'bool') (c as unknown as Record<string, unknown>)[name] = d.bool(name);
            else {
              decode(name, d.str(name));
              (c as unknown as Record<string, unknown>)[name] = d.str(name);
            }
          }
          const expiry = decode('expiry', c.expiry);
          const grace = decode('auto_rebuild_grace_period', c.auto_rebuild_grace_period);
          decode('ocsp_expiry', c.ocsp_expiry);
          decode('delta_rebuild_interval', c.delta_rebuild_interval);
          if (c.auto_rebuild && grace >= expiry) {
            throw badRequest(`CRL auto-rebuilding grace period (${c.auto_rebuild_grace_period}) must be strictly shorter than CRL expiry (${c.expiry}) value when auto-rebuilding of CRLs is enabled`);
          }
          if (c.enable_delta && !c.auto_rebuild) throw badRequest('Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!');
          await store.putCrlConfig(c);
          const warnings = await crl.rebuild();
          return { data: configData(c), warnings: warnings.length ? warnings.map((w, i) => `Warning ${i + 1} during CRL rebuild: ${w}`) : undefined };
        },
      },
      synopsis: 'Configure the CRL expiration.',
    },
  ];
}
