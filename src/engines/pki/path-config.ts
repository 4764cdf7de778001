/** `config/urls` (AIA URLs written into issued certificates) and `config/cluster` (values for URL templates). */
import type { PathDef } from '../../framework/backend.js';
import { badRequest } from '../../lib/errors.js';
import type { PkiEnv } from './env.js';
import type { UrlsConfig } from './types.js';

const URL_FIELDS = ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers'] as const;

function checkUrls(name: string, urls: string[], templating: boolean): void {
  for (const u of urls) {
    if (templating && u.includes('{{')) continue;
    let ok = false;
    try { ok = !!new URL(u).protocol; } catch { ok = false; }
    if (!ok) throw badRequest(`invalid URL found in Authority Information Access (AIA) parameter ${name}: ${u}`);
  }
}

export function configPaths(env: PkiEnv): PathDef[] {
  const { store } = env;
  return [
    {
      pattern: 'config/urls',
      fields: {
        issuing_certificates: { type: 'strings', description: 'Comma-separated list of URLs to be used for the issuing certificate attribute.' },
        crl_distribution_points: { type: 'strings', description: 'Comma-separated list of URLs to be used for the CRL distribution points attribute.' },
        ocsp_servers: { type: 'strings', description: 'Comma-separated list of URLs to be used for the OCSP servers attribute.' },
        enable_templating: { type: 'bool', description: 'Whether or not to enable templating of the above AIA fields (`{{issuer_id}}`, `{{cluster_path}}`, `{{cluster_aia_path}}`).' },
      },
      operations: {
        read: async () => ({ data: { ...(await store.urlsConfig()) } }),
        update: async (_r, d) => {
          const c: UrlsConfig = { ...(await store.urlsConfig()) };
          if (d.has('enable_templating')) c.enable_templating = d.bool('enable_templating');
          for (const f of URL_FIELDS) if (d.has(f)) c[f] = d.list(f);
          for (const f of URL_FIELDS) checkUrls(f, c[f], c.enable_templating);
          await store.putUrlsConfig(c);
          return { data: { ...c } };
        },
      },
      synopsis: 'Set the URLs for the issuing CA, CRL distribution points, and OCSP servers.',
    },
    {
      pattern: 'config/cluster',
      fields: {
        path: { type: 'string', description: "Canonical URI to this mount on this performance replication cluster's external address (e.g. https://coffer.example.com/v1/pki)." },
        aia_path: { type: 'string', description: 'Optional URI to this mount\'s AIA distribution point; may refer to an external non-Coffer responder.' },
      },
      operations: {
        read: async () => ({ data: { ...(await store.clusterConfig()) } }),
        update: async (_r, d) => {
          const c = { ...(await store.clusterConfig()) };
          if (d.has('path')) c.path = d.str('path');
          if (d.has('aia_path')) c.aia_path = d.str('aia_path');
          for (const [k, v] of Object.entries(c)) {
            if (v && !/^https?:\/\//.test(v)) throw badRequest(`failed to parse ${k} as a URL: ${v}`);
          }
          await store.putClusterConfig(c);
          return { data: c };
        },
      },
      synopsis: 'Set cluster-local URLs used for AIA URL templating.',
    },
  ];
}
