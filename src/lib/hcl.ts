/**
 * HCL as Vault reads it: HCL1 (server configs, ACL policies, agent configs) plus the HCL2
 * syntax those files commonly use, and JSON (a document whose first character is `{`).
 *
 * API — one parse, two views:
 *
 *   parseHCL(text, filename?) → HclBody, the raw tree. An attribute `a = v` maps to its value
 *     (string | number | boolean | null | list | HclBody for `{ ... }`); a block type maps to an
 *     array of HclBlock `{ type, labels, body, line, column }` in file order, so `template {}`
 *     written twice is two entries and `path "a" {}` is `{ labels: ['a'], body }`.
 *   blocks(body, type, labelCount) → HclBlock[]: the blocks of one type, whatever syntax wrote
 *     them. JSON (and HCL's `listener = { tcp = {...} }`) has no blocks, only nested objects, so
 *     this unrolls `labelCount` levels of keys into labels, as Vault's decoder does. A block with
 *     the wrong number of labels is an HclError naming its line. Config loaders use this.
 *   toJSON(body) / decodeHCL(text, filename?) → the plain object Vault's HCL→JSON equivalence
 *     gives: `path "a" { capabilities = [...] }` → `{ path: { a: { capabilities: [...] } } }`;
 *     blocks repeated with the same (or no) labels become arrays.
 *   lineOf(obj, key) → { line, column } of the key inside any object returned by the functions
 *     above (raw bodies, JSON-view objects, JSON input alike), for errors that name a line.
 *
 * Syntax: `#`, `//`, `/* *\/` comments; keys are identifiers or quoted strings; `=` (or `:`
 * inside objects, for JSON); strings with escapes (`${...}` and `%{...}` kept literally, as
 * Vault does not interpolate); `<<EOF` and `<<-EOF` heredocs; numbers (a leading 0 is octal and
 * 0x hex, as in HCL1); true/false/null; lists with trailing commas; objects; blocks with any
 * number of labels. Like HCL1, items need no newline between them (`path "a" { policy = "read" }
 * path "b" { ... }` on one line is valid), and a repeated attribute keeps its last value.
 * Errors are HclError: `At file:3:7: expected '=' after "ui", found ...` (HCL1's wording).
 */

import { HclBlock, HclError, Parser, isBlockList, lineOf, put, record, type HclBody, type HclPos, type HclValue } from './hcl-parser.js';

export { HclBlock, HclError, isBlockList, lineOf, type HclBody, type HclPos, type HclValue } from './hcl-parser.js';

/** Parses HCL or JSON text into the raw tree (see the file header). Throws HclError. */
export function parseHCL(text: string, filename?: string): HclBody {
  return new Parser(text, filename).parseDocument();
}

/** Parses and converts to Vault's JSON shape in one step. */
export function decodeHCL(text: string, filename?: string): Record<string, unknown> {
  return toJSON(parseHCL(text, filename));
}

/** Converts a raw value to the JSON view; lists of blocks follow the block rules below. */
export function toJSONValue(v: HclValue | HclBlock[]): unknown {
  if (isBlockList(v)) return blocksToJSON(v.map((b) => ({ labels: b.labels, body: b.body, pos: { line: b.line, column: b.column } })));
  if (Array.isArray(v)) return v.map((x) => toJSONValue(x));
  if (v && typeof v === 'object') return toJSON(v);
  return v;
}

export function toJSON(body: HclBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    put(out, k, toJSONValue(v));
    const p = lineOf(body, k);
    if (p) record(out, k, p);
  }
  return out;
}

interface Pending {
  labels: string[];
  body: HclBody;
  pos: HclPos;
}

/** Blocks sharing a label nest under it; several bodies left at one place become an array. */
function blocksToJSON(items: Pending[]): unknown {
  const bare = items.filter((b) => b.labels.length === 0).map((b) => toJSON(b.body));
  const labelled = items.filter((b) => b.labels.length > 0);
  if (!labelled.length) return bare.length === 1 ? bare[0] : bare;
  const groups = new Map<string, Pending[]>();
  for (const b of labelled) {
    const g = groups.get(b.labels[0]!) ?? [];
    g.push({ labels: b.labels.slice(1), body: b.body, pos: b.pos });
    groups.set(b.labels[0]!, g);
  }
  const obj: Record<string, unknown> = {};
  for (const [label, g] of groups) {
    put(obj, label, blocksToJSON(g));
    record(obj, label, g[0]!.pos);
  }
  return bare.length ? [...bare, obj] : obj;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

/**
 * The blocks of `type` in `body`, each with exactly `labelCount` labels, from HCL block syntax or
 * from nested objects (JSON input, or HCL `type = { label = { ... } }`).
 */
export function blocks(body: HclBody, type: string, labelCount = 0, filename?: string): HclBlock[] {
  const v = body[type];
  if (v === undefined) return [];
  const here = lineOf(body, type) ?? { line: 0, column: 0 };
  if (isBlockList(v)) {
    for (const b of v) {
      if (b.labels.length !== labelCount) {
        const want = labelCount === 0 ? 'no labels' : `${labelCount} label${labelCount > 1 ? 's' : ''}`;
        throw new HclError(filename, b.line, b.column, `block ${JSON.stringify(type)} takes ${want}, found ${b.labels.length}`);
      }
    }
    return v;
  }
  const out: HclBlock[] = [];
  const unroll = (val: unknown, labels: string[], pos: HclPos, key: string): void => {
    if (Array.isArray(val)) {
      for (const el of val) unroll(el, labels, pos, key);
      return;
    }
    if (!val || typeof val !== 'object') {
      throw new HclError(filename, pos.line, pos.column, `${JSON.stringify(key)}: expected an object, found ${typeName(val)}`);
    }
    if (labels.length === labelCount) {
      out.push(new HclBlock(type, labels, val as HclBody, pos.line, pos.column));
      return;
    }
    for (const [k, inner] of Object.entries(val as HclBody)) {
      unroll(isBlockList(inner) ? inner.map((b) => b.body) : inner, [...labels, k], lineOf(val, k) ?? pos, k);
    }
  };
  unroll(v, [], here, type);
  return out;
}
