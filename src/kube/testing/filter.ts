/**
 * ?labelSelector= and ?fieldSelector= for list, watch and deletecollection. Field selectors support
 * metadata.name, metadata.namespace and each kind's declared fields, as the API server does.
 */
import { matches, parseSelector, SelectorError, type Requirement } from '../selector.js';
import type { KindInfo } from './resources.js';
import { badRequest } from './status.js';
import type { KubeObject } from './store.js';

interface FieldRequirement { path: string; equal: boolean; value: string }

export interface ObjectFilter { labels: Requirement[]; fields: FieldRequirement[] }

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const p of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}

export function parseFilter(kind: KindInfo, query: URLSearchParams): ObjectFilter {
  let labels: Requirement[];
  try {
    labels = parseSelector(query.get('labelSelector') ?? '');
  } catch (e) {
    throw badRequest(`unable to parse requirement: ${(e as SelectorError).message}`);
  }
  const fields: FieldRequirement[] = [];
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(kind.fieldSelectors ?? [])]);
  for (const part of (query.get('fieldSelector') ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${part}'; can't understand '${part}'`);
    const path = m[1]!.trim();
    if (!allowed.has(path)) throw badRequest(`"${path}" is not a known field selector: only "${[...allowed].join('", "')}"`);
    fields.push({ path, equal: m[2] !== '!=', value: m[3]!.trim() });
  }
  return { labels, fields };
}

export function filterMatches(f: ObjectFilter, o: KubeObject): boolean {
  return matches(f.labels, o.metadata.labels) && f.fields.every((r) => (fieldValue(o, r.path) === r.value) === r.equal);
}
