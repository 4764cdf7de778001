/**
 * An ACL policy document (HCL or JSON) parsed into path rules, with Vault's validation: the keys
 * it accepts, capability names, the legacy `policy = "read|write|deny|sudo"` form, parameter
 * constraints, wrapping TTL bounds and template syntax. A bad document is a 400 whose message
 * names the line and column (`failed to parse policy: At 3:18: ...`).
 */
import { CofferError } from '../../lib/errors.js';
import { parseDuration } from '../../lib/duration.js';
import { HclError, blocks, lineOf, parseHCL, toJSONValue, type HclBlock, type HclBody } from '../../lib/hcl.js';
import { Cap, LEGACY_POLICY, isCapability } from './capabilities.js';
import { TemplateError, hasTemplate } from './templating.js';

export interface PathRule {
  /** As written, without a leading `/`; a trailing `*` and `+` segments are kept here. */
  path: string;
  line: number;
  column: number;
  capabilities: number;
  /** Seconds; 0 when not set. */
  minWrappingTTL: number;
  maxWrappingTTL: number;
  /** Parameter name (lower-cased) → allowed values; an empty list allows any value. */
  allowedParameters?: Map<string, unknown[]>;
  deniedParameters?: Map<string, unknown[]>;
  requiredParameters: string[];
  /** The path holds `{{...}}` directives, rendered per identity when the ACL is compiled. */
  templated: boolean;
  /** Epoch ms after which the rule is ignored (OpenBao's `expiration`). */
  expiresAt?: number;
}

export interface Policy {
  name: string;
  raw: string;
  paths: PathRule[];
  templated: boolean;
}

export class PolicyError extends CofferError {
  constructor(
    reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(400, `failed to parse policy: ${line ? `At ${line}:${column ?? 1}: ` : ''}${reason}`);
    this.name = 'PolicyError';
  }
}

const TOP_LEVEL_KEYS = new Set(['name', 'path']);
const PATH_KEYS = new Set([
  'comment', 'policy', 'capabilities', 'allowed_parameters', 'denied_parameters', 'required_parameters',
  'min_wrapping_ttl', 'max_wrapping_ttl', 'expiration',
  // Accepted and not enforced, as Vault's open-source build treats these Enterprise features.
  'mfa_methods', 'control_group', 'subscribe_event_types',
]);

type Where = { line: number; column: number };

function fail(where: Where | undefined, reason: string): never {
  throw new PolicyError(reason, where?.line, where?.column);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

/** HCL1 decodes a lone value into a list field as a one-element list; so do we. */
function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

function stringList(v: unknown, what: string, where: Where): string[] {
  const list = asList(v);
  for (const x of list) if (typeof x !== 'string') fail(where, `${what}: expected a list of strings, found ${typeName(x)} in it`);
  return list as string[];
}

function parameterMap(v: unknown, what: string, where: Where): Map<string, unknown[]> {
  // Block syntax written more than once (`allowed_parameters { } allowed_parameters { }`) merges.
  const isMap = (o: unknown) => !!o && typeof o === 'object' && !Array.isArray(o);
  const objects = Array.isArray(v) && v.length && v.every(isMap) ? v : [v];
  const out = new Map<string, unknown[]>();
  for (const o of objects) {
    if (!isMap(o)) fail(where, `${what}: expected a map of parameter names to lists of values, found ${typeName(o)}`);
    for (const [k, vals] of Object.entries(o as Record<string, unknown>)) out.set(k.toLowerCase(), asList(vals));
  }
  return out;
}

function duration(v: unknown, what: string, where: Where): number {
  if (typeof v !== 'string' && typeof v !== 'number') fail(where, `error parsing ${what}: expected a duration, found ${typeName(v)}`);
  try {
    const n = parseDuration(v);
    if (n < 0) throw new Error('negative');
    return n;
  } catch {
    fail(where, `error parsing ${what}: invalid duration ${JSON.stringify(v)}`);
  }
}

function parsePath(block: HclBlock): PathRule | undefined {
  const raw = block.labels[0]!;
  const body: HclBody = block.body;
  const blockAt = { line: block.line, column: block.column };
  const at = (k: string): Where => lineOf(body, k) ?? blockAt;
  for (const k of Object.keys(body)) if (!PATH_KEYS.has(k)) fail(at(k), `path ${JSON.stringify(raw)}: invalid key ${JSON.stringify(k)}`);

  let templated: boolean;
  try {
    templated = hasTemplate(raw);
  } catch (e) {
    if (e instanceof TemplateError) fail(blockAt, `failed to validate policy templating: ${e.message}`);
    throw e;
  }
  const path = raw.replace(/^\/+/, '');
  if (path.includes('+*')) fail(blockAt, `path ${JSON.stringify(path)}: invalid use of wildcards ('+*' is forbidden)`);

  const rule: PathRule = { path, line: block.line, column: block.column, capabilities: 0, minWrappingTTL: 0, maxWrappingTTL: 0, requiredParameters: [], templated };
  const value = (k: string) => toJSONValue(body[k]!);

  const names: string[] = [];
  if (body.capabilities !== undefined) names.push(...stringList(value('capabilities'), `path ${JSON.stringify(raw)}: capabilities`, at('capabilities')));
  if (body.policy !== undefined) {
    const legacy = value('policy');
    if (typeof legacy !== 'string' || !LEGACY_POLICY[legacy]) fail(at('policy'), `path ${JSON.stringify(raw)}: invalid policy ${JSON.stringify(legacy)}`);
    names.push(...LEGACY_POLICY[legacy]!);
  }
  for (const c of names) {
    if (!isCapability(c)) fail(at('capabilities'), `path ${JSON.stringify(raw)}: invalid capability ${JSON.stringify(c)}`);
    // `deny` anywhere in the list wins over everything else on this path.
    rule.capabilities = c === 'deny' ? Cap.deny : rule.capabilities & Cap.deny ? Cap.deny : rule.capabilities | Cap[c];
  }
  if (rule.capabilities & Cap.deny) return rule;

  if (body.allowed_parameters !== undefined) rule.allowedParameters = parameterMap(value('allowed_parameters'), 'allowed_parameters', at('allowed_parameters'));
  if (body.denied_parameters !== undefined) rule.deniedParameters = parameterMap(value('denied_parameters'), 'denied_parameters', at('denied_parameters'));
  if (body.required_parameters !== undefined) rule.requiredParameters = stringList(value('required_parameters'), 'required_parameters', at('required_parameters'));
  if (body.min_wrapping_ttl !== undefined) rule.minWrappingTTL = duration(value('min_wrapping_ttl'), 'min_wrapping_ttl', at('min_wrapping_ttl'));
  if (body.max_wrapping_ttl !== undefined) rule.maxWrappingTTL = duration(value('max_wrapping_ttl'), 'max_wrapping_ttl', at('max_wrapping_ttl'));
  if (rule.minWrappingTTL && rule.maxWrappingTTL && rule.maxWrappingTTL < rule.minWrappingTTL) {
    fail(at('max_wrapping_ttl'), 'max_wrapping_ttl cannot be less than min_wrapping_ttl');
  }
  if (body.expiration !== undefined) {
    const exp = value('expiration');
    const t = typeof exp === 'string' ? Date.parse(exp) : NaN;
    if (Number.isNaN(t)) fail(at('expiration'), `path ${JSON.stringify(raw)}: invalid expiration time ${JSON.stringify(exp)}`);
    rule.expiresAt = t;
  }
  return rule;
}

/** Parses and validates a policy document; throws PolicyError (a 400) naming line and column. */
export function parsePolicy(name: string, raw: string): Policy {
  let tree: HclBody;
  try {
    tree = parseHCL(raw);
  } catch (e) {
    if (e instanceof HclError) throw new PolicyError(e.reason, e.line, e.column);
    throw e;
  }
  for (const k of Object.keys(tree)) if (!TOP_LEVEL_KEYS.has(k)) fail(lineOf(tree, k), `invalid key ${JSON.stringify(k)}`);
  let pathBlocks: HclBlock[];
  try {
    pathBlocks = blocks(tree, 'path', 1);
  } catch (e) {
    if (e instanceof HclError) throw new PolicyError(e.reason, e.line, e.column);
    throw e;
  }
  const paths: PathRule[] = [];
  for (const b of pathBlocks) {
    const rule = parsePath(b);
    if (rule) paths.push(rule);
  }
  return { name, raw, paths, templated: paths.some((p) => p.templated) };
}
