/**
 * PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and strategic merge patch, which
 * is applied as a merge patch here (lists are replaced, not merged by key), a documented simplification.
 */
import { badRequest, failure, unsupportedMediaType } from './status.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder/') || k.startsWith('$retainKeys')) continue; // strategic directives
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request`);
  return path.slice(1).split('/').map(unescape);
}

function container(doc: Json, tokens: string[], op: string, path: string): { parent: Json; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)] ?? null;
    else if (isObject(cur)) cur = cur[t] ?? null;
    else cur = null;
    if (cur === null) throw jsonPatchError(op, path, `missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

const jsonPatchError = (op: string, path: string, why: string) =>
  failure(422, 'Invalid', `the server rejected our request due to an error in our request: doc is missing path: "${path}": ${why} (op ${op})`);

function get(doc: Json, path: string, op: string): Json {
  let cur: Json = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur) && /^\d+$/.test(t) && Number(t) < cur.length) cur = cur[Number(t)]!;
    else if (isObject(cur) && t in cur) cur = cur[t]!;
    else throw jsonPatchError(op, path, 'missing value');
  }
  return cur;
}

function remove(doc: Json, path: string, op: string): Json {
  const { parent, key } = container(doc, parsePointer(path), op, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw jsonPatchError(op, path, 'missing value');
    return parent.splice(i, 1)[0]!;
  }
  if (!isObject(parent) || !(key in parent)) throw jsonPatchError(op, path, 'missing value');
  const v = parent[key]!;
  delete parent[key];
  return v;
}

function add(doc: Json, path: string, value: Json, op: string, replace = false): Json {
  const tokens = parsePointer(path);
  if (!tokens.length) return structuredClone(value);
  const { parent, key } = container(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (key !== '-' && (!/^\d+$/.test(key) || i > parent.length || (replace && i >= parent.length))) throw jsonPatchError(op, path, 'index out of range');
    parent.splice(i, replace ? 1 : 0, structuredClone(value));
  } else if (isObject(parent)) {
    if (replace && !(key in parent)) throw jsonPatchError(op, path, 'missing value');
    parent[key] = structuredClone(value);
  } else throw jsonPatchError(op, path, 'missing value');
  return doc;
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const raw of ops) {
    const o = raw as { op?: string; path?: string; from?: string; value?: Json };
    const path = String(o.path ?? '');
    switch (o.op) {
      case 'add': doc = add(doc, path, o.value ?? null, 'add'); break;
      case 'remove': remove(doc, path, 'remove'); break;
      case 'replace': doc = add(doc, path, o.value ?? null, 'replace', true); break;
      case 'move': { const v = remove(doc, String(o.from ?? ''), 'move'); doc = add(doc, path, v, 'move'); break; }
      case 'copy': doc = add(doc, path, structuredClone(get(doc, String(o.from ?? ''), 'copy')), 'copy'); break;
      case 'test':
        if (JSON.stringify(get(doc, path, 'test')) !== JSON.stringify(o.value ?? null)) {
          throw failure(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${path} failed: test failed`);
        }
        break;
      default: throw badRequest(`Unexpected kind: ${o.op}`);
    }
  }
  return doc;
}

/** Applies a PATCH body according to its Content-Type. */
export function applyPatch(current: Json, contentType: string, body: unknown): Json {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  switch (type) {
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      if (!isObject(body)) throw badRequest('the body of the request was in an unknown format');
      return mergePatch(current, body);
    case 'application/json-patch+json':
      return jsonPatch(current, body);
    default:
      throw unsupportedMediaType(type);
  }
}
