/**
 * Authority information access URLs written into issued certificates: the issuer's own when
 * it has any, else the mount's `config/urls`; templated (`{{issuer_id}}`, `{{cluster_path}}`,
 * `{{cluster_aia_path}}`) when templating is enabled.
 */
import { badRequest } from '../../lib/errors.js';
import type { AiaUrls } from './x509/cert-builder.js';
import type { PkiStore } from './store.js';
import type { IssuerEntry } from './types.js';

function fill(urls: string[], vars: Record<string, string>): string[] {
  return urls.map((u) => u.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw badRequest(`unable to parse AIA URL information: unknown template parameter ${m}`);
    if (v === '') throw badRequest(`unable to parse AIA URL information: template parameter ${m} is used but not set (see config/cluster)`);
    return v;
  }));
}

export async function aiaFor(store: PkiStore, issuer: IssuerEntry | undefined): Promise<AiaUrls> {
  const cluster = await store.clusterConfig();
  const vars = { issuer_id: issuer?.id ?? '', cluster_path: cluster.path, cluster_aia_path: cluster.aia_path };
  if (issuer && (issuer.issuing_certificates.length || issuer.crl_distribution_points.length || issuer.ocsp_servers.length)) {
    const t = issuer.enable_aia_url_templating;
    return {
      issuingCertificates: t ? fill(issuer.issuing_certificates, vars) : issuer.issuing_certificates,
      crlDistributionPoints: t ? fill(issuer.crl_distribution_points, vars) : issuer.crl_distribution_points,
      ocspServers: t ? fill(issuer.ocsp_servers, vars) : issuer.ocsp_servers,
    };
  }
  const g = await store.urlsConfig();
  const t = g.enable_templating;
  return {
    issuingCertificates: t ? fill(g.issuing_certificates, vars) : g.issuing_certificates,
    crlDistributionPoints: t ? fill(g.crl_distribution_points, vars) : g.crl_distribution_points,
    ocspServers: t ? fill(g.ocsp_servers, vars) : g.ocsp_servers,
  };
}

export const hasAia = (a: AiaUrls): boolean => a.issuingCertificates.length + a.crlDistributionPoints.length + a.ocspServers.length > 0;
