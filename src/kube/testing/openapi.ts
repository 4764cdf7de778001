/**
 * A minimal OpenAPI v3 discovery (/openapi/v3 and one document per group-version). It lists each
 * kind's paths and operations with `x-kubernetes-group-version-kind` and the `fieldValidation` query
 * parameter, which is what kubectl create/apply look for to leave validation to the server. It
 * carries no schemas: `kubectl explain` is out of scope.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, type KindInfo, type KindRegistry } from './resources.js';

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function gvHash(kinds: KindInfo[]): string {
  return createHash('sha256').update(JSON.stringify(kinds.map((k) => [apiVersionOf(k), k.kind, k.verbs]))).digest('hex').slice(0, 32).toUpperCase();
}

export function openapiRoot(registry: KindRegistry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const gvs = new Map<string, KindInfo[]>();
  for (const k of registry.all) {
    const key = gvPath(k.group, k.version);
    gvs.set(key, [...(gvs.get(key) ?? []), k]);
  }
  for (const [key, kinds] of gvs) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${gvHash(kinds)}` };
  return { paths };
}

const param = (name: string, where: 'path' | 'query') => ({ name, in: where, ...(where === 'path' ? { required: true } : {}), schema: { type: 'string', uniqueItems: true } });

export function openapiGroupVersion(registry: KindRegistry, path: string): Record<string, unknown> | undefined {
  const segs = path.split('/').filter(Boolean);
  const [group, version] = segs[0] === 'api' && segs.length === 2 ? ['', segs[1]!] : segs[0] === 'apis' && segs.length === 3 ? [segs[1]!, segs[2]!] : ['', ''];
  if (!version) return undefined;
  const kinds = registry.inGroupVersion(group, version);
  if (!kinds.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const k of kinds) {
    const gvk = { group: k.group, version: k.version, kind: k.kind };
    const op = (action: string, extra: Record<string, unknown>[] = []) => ({
      operationId: `${action}${k.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk,
      parameters: extra, responses: { '200': { description: 'OK' } },
    });
    const base = `/${gvPath(group, version)}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}`;
    const nsParams = k.namespaced ? [param('namespace', 'path')] : [];
    const writeParams = [param('dryRun', 'query'), param('fieldManager', 'query'), param('fieldValidation', 'query')];
    paths[base] = k.virtual
      ? { post: op('post', writeParams), parameters: nsParams }
      : { get: op('list'), post: op('post', writeParams), parameters: nsParams };
    if (!k.virtual) {
      paths[`${base}/{name}`] = {
        get: op('get'), put: op('put', writeParams), patch: op('patch', [...writeParams, param('force', 'query')]), delete: op('delete'),
        parameters: [param('name', 'path'), ...nsParams],
      };
    }
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}

const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/**
 * /openapi/v2 with no definitions. kubectl falls back to it to validate kinds that have no PATCH
 * operation (TokenReview); with no schema for a kind, it leaves validation to the server. An empty
 * protobuf message is an empty Document, which is what kubectl asks for. The reply's Content-Type is
 * octet-stream because Go's mime parser rejects the '@' of the protobuf media type kubectl accepts.
 */
export function openapiV2(accept: string): { status: number; body: unknown; contentType: string } {
  if (accept.includes(V2_PROTOBUF)) return { status: 200, body: '', contentType: 'application/octet-stream' };
  return { status: 200, body: { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: {} }, contentType: 'application/json' };
}
