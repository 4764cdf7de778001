/**
 * URL + method → the request attributes the authorizer and the handlers use, as the apiserver's
 * RequestInfoFactory derives them (verb, API group, resource, subresource, namespace, name).
 */
import type { KindInfo, KindRegistry } from './resources.js';

export interface RequestInfo {
  resourceRequest: boolean;
  path: string;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  kind?: KindInfo;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

const truthy = (v: string | null) => v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';

export function parseRequestInfo(method: string, path: string, query: URLSearchParams, kinds: KindRegistry): RequestInfo | null {
  const nonResource: RequestInfo = {
    resourceRequest: false, path, verb: method.toLowerCase() === 'head' ? 'get' : method.toLowerCase(),
    apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '',
  };
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1]!, segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
  else return nonResource;

  let watch = truthy(query.get('watch'));
  if (rest[0] === 'watch') { watch = true; rest = rest.slice(1); }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3 && kinds.resource(group, version, rest[2]!)?.namespaced) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  if (!rest.length || rest.length > 3) return null;
  const kind = kinds.resource(group, version, rest[0]!);
  if (!kind) return null;
  const name = rest[1] ?? '';
  const subresource = rest[2] ?? '';
  // A namespaced kind named without a namespace (or the reverse) is not a path the server serves.
  if (kind.namespaced && !namespace && name) return null;
  // The apiserver puts a namespace's own name in the namespace attribute (RoleBindings can grant it).
  if (rest[0] === 'namespaces' && name && !namespace) namespace = name;

  let verb: string;
  switch (method.toUpperCase()) {
    case 'GET': case 'HEAD': verb = watch ? 'watch' : name ? 'get' : 'list'; break;
    case 'POST': verb = 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = name ? 'delete' : 'deletecollection'; break;
    default: verb = method.toLowerCase();
  }
  return { resourceRequest: true, path, verb, apiGroup: group, apiVersion: version, kind, resource: kind.plural, subresource, namespace, name };
}
