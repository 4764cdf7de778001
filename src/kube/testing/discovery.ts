/**
 * Discovery documents (/api, /apis, /api/v1, /apis/{group}/{version}, /version) and the service
 * account issuer's OIDC discovery (/.well-known/openid-configuration, /openid/v1/jwks), built from
 * the kinds table. Legacy (unaggregated) discovery: kubectl and client libraries fall back to it.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, type KindRegistry } from './resources.js';

export const SERVER_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '', gitTreeState: 'clean', buildDate: '2024-12-11T00:00:00Z', compiler: 'gc', platform: 'linux/amd64' };

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDoc(kinds: KindRegistry, name: string): Record<string, unknown> {
  const versions = kinds.versions(name).map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions, preferredVersion: versions[0] };
}

export function apiGroupList(kinds: KindRegistry): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: kinds.groups().map((g) => groupDoc(kinds, g)) };
}

export function apiGroup(kinds: KindRegistry, name: string): Record<string, unknown> | undefined {
  if (!kinds.groups().includes(name)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(kinds, name) };
}

const storageHash = (s: string) => createHash('sha256').update(s).digest('base64').slice(0, 11);

export function apiResourceList(kinds: KindRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const inGv = kinds.inGroupVersion(group, version);
  if (!inGv.length) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const k of inGv) {
    const r: Record<string, unknown> = { name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: k.verbs };
    if (k.shortNames) r.shortNames = k.shortNames;
    if (k.categories) r.categories = k.categories;
    if (!k.virtual) r.storageVersionHash = storageHash(`${apiVersionOf(k)}/${k.kind}`);
    resources.push(r);
    for (const s of k.subresources ?? []) {
      const sub: Record<string, unknown> = { name: `${k.plural}/${s.name}`, singularName: '', namespaced: k.namespaced, kind: s.kind, verbs: s.verbs };
      if (s.group) { sub.group = s.group; sub.version = s.version; }
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

export function openidConfiguration(issuer: string, jwksUri: string): Record<string, unknown> {
  return {
    issuer, jwks_uri: jwksUri, response_types_supported: ['id_token'], subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}
