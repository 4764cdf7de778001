/**
 * A Backend is declared as a table of Paths; this file turns the table into something core
 * can route to: pattern matching, the create/update existence check, field validation,
 * help and the OpenAPI fragment all come from the one declaration.
 */
import { CofferError, badRequest, unsupportedOperation } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { FieldData, type FieldSchema, type FieldTable } from './fields.js';
import { compilePattern, matchPattern, pathListMatches, type CompiledPattern } from './path.js';
import type { Auth, LogicalStorage, Operation, Request, Response } from './types.js';

export type Handler = (req: Request, data: FieldData) => Promise<Response | null | void>;

export interface PathDef {
  pattern: string;
  fields?: FieldTable;
  operations: Partial<Record<Operation, Handler>>;
  /** Where create and update differ: tells whether the target exists (false → create). */
  existenceCheck?: (req: Request, data: FieldData) => Promise<boolean>;
  /** The request body is the payload itself (KV v1, cubbyhole): no unknown-field warnings (Vault's TakesArbitraryInput). */
  takesArbitraryInput?: boolean;
  synopsis?: string;
  description?: string;
}

export interface SecretType {
  type: string;
  /** Called by the lease manager with req.secret set; may return a new ttl. */
  renew?: (req: Request) => Promise<Response | null | void>;
  revoke: (req: Request) => Promise<void>;
}

export interface MountInfo {
  path: string;
  type: string;
  uuid: string;
  accessor: string;
  description: string;
  config: { defaultLeaseTTL: number; maxLeaseTTL: number; [k: string]: unknown };
  options: Record<string, string>;
  local?: boolean;
  sealWrap?: boolean;
}

/** What core offers a Backend beyond its own storage. Services appear as their issues land. */
export interface SystemView {
  /** The effective default and max lease TTL for this mount (mount tune, else system). */
  defaultLeaseTTL(): number;
  maxLeaseTTL(): number;
  /** Core services by name (e.g. "identity", "tokens", "leases"); undefined when not present. */
  service<T>(name: string): T | undefined;
}

export interface BackendContext {
  storage: LogicalStorage;
  mount: MountInfo;
  system: SystemView;
  logger: Logger;
}

export interface BackendDef {
  help: string;
  paths: PathDef[];
  secrets?: SecretType[];
  /** Paths that need `sudo` capability (Vault's PathsSpecial.Root). Trailing * = prefix. */
  rootPaths?: string[];
  /** Paths served without a token (login endpoints). Trailing * = prefix. */
  unauthenticatedPaths?: string[];
  /** Called once after mounting or unsealing. */
  init?(): Promise<void>;
  /** Called on unmount or seal: stop timers, close clients. */
  cleanup?(): Promise<void>;
  /** Auth methods: re-check a login on token renewal; may adjust the ttl. */
  renewAuth?(req: Request, auth: Auth): Promise<Auth | void>;
}

export type BackendFactory = (ctx: BackendContext) => BackendDef | Promise<BackendDef>;

interface CompiledPath {
  def: PathDef;
  pattern: CompiledPattern;
}

export interface RouteMatch {
  path: CompiledPath;
  captures: Record<string, string>;
}

export class Backend {
  private readonly compiled: CompiledPath[];
  private readonly secretTypes = new Map<string, SecretType>();

  constructor(readonly def: BackendDef, readonly ctx: BackendContext) {
    this.compiled = def.paths.map((p) => ({ def: p, pattern: compilePattern(p.pattern) }));
    for (const s of def.secrets ?? []) this.secretTypes.set(s.type, s);
  }

  /**
   * The last request matched, so resolving its operation and then handling it match once.
   * One slot is enough: a request is resolved and handled back to back unless an existence
   * check yields to another request, which then costs a second match, nothing more.
   */
  private lastMatch: { req: Request; path: string; m: RouteMatch | null } | undefined;

  private matchRequest(req: Request): RouteMatch | null {
    const last = this.lastMatch;
    if (last && last.req === req && last.path === req.path) return last.m;
    const m = this.match(req.path);
    this.lastMatch = { req, path: req.path, m };
    return m;
  }

  match(path: string): RouteMatch | null {
    for (const p of this.compiled) {
      const captures = matchPattern(p.pattern, path);
      if (captures) return { path: p, captures };
    }
    if (path.endsWith('/')) return this.match(path.slice(0, -1));
    return null;
  }

  /**
   * Resolves an HTTP write into create or update, as Vault does before the ACL check: only
   * paths with an existence check distinguish them; the rest are updates.
   */
  async resolveOperation(req: Request): Promise<Operation> {
    if (req.operation !== 'update' && req.operation !== 'create') return req.operation;
    const m = this.matchRequest(req);
    if (!m || !m.path.def.existenceCheck) return 'update';
    const data = new FieldData(req.data, m.path.def.fields ?? {}, m.captures);
    return (await m.path.def.existenceCheck(req, data)) ? 'update' : 'create';
  }

  async handle(req: Request): Promise<Response | null> {
    const m = this.matchRequest(req);
    this.lastMatch = undefined;
    if (!m) throw new CofferError(404, `unsupported path`);
    const ops = m.path.def.operations;
    let handler = ops[req.operation];
    if (!handler && req.operation === 'create') handler = ops.update;
    if (!handler && req.operation === 'update' && !m.path.def.existenceCheck) handler = ops.create;
    if (!handler) throw unsupportedOperation();
    const data = new FieldData(req.data, m.path.def.fields ?? {}, m.captures);
    const warnings = data.validate(req.operation);
    const resp = (await handler(req, data)) ?? null;
    if (warnings.length && !m.path.def.takesArbitraryInput && req.operation !== 'read' && req.operation !== 'list') {
      const out = resp ?? {};
      out.warnings = [...(out.warnings ?? []), ...warnings];
      return out;
    }
    return resp;
  }

  secretType(type: string): SecretType | undefined {
    return this.secretTypes.get(type);
  }

  /** Vault's `?help=1` answer for one path. */
  help(path: string): { help: string; see_also: null } {
    const m = this.match(path);
    if (!m) return { help: this.def.help, see_also: null };
    const d = m.path.def;
    const lines = [`Request:        ${d.pattern}`, `Matching Route: ${m.path.pattern.regex.source}`, '', d.synopsis ?? ''];
    const fields = Object.entries(d.fields ?? {});
    if (fields.length) {
      lines.push('', '## PARAMETERS', '');
      for (const [name, f] of fields) lines.push(`${name} (${f.type})`, `    ${f.description ?? ''}`, '');
    }
    if (d.description) lines.push('## DESCRIPTION', '', d.description);
    return { help: lines.join('\n'), see_also: null };
  }

  /**
   * OpenAPI path items for this backend, prefixed with its mount path, shaped as Vault's
   * generator shapes them: one GET per path (a read that also lists takes an optional `list`
   * query parameter, a list-only path a required one), one POST for create and update, field
   * types with Vault's formats, and the path's sudo/unauthenticated flags.
   */
  openapi(prefix: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const p of this.compiled) {
      const apiPath = '/' + prefix + p.def.pattern.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)\??/g, '{$1}');
      const ops = p.def.operations;
      const item: Record<string, unknown> = {
        description: p.def.synopsis ?? '',
        parameters: p.pattern.names.map((n) => ({ name: n, in: 'path', required: true, schema: { type: 'string' } })),
      };
      if (pathListMatches(this.def.rootPaths ?? [], p.def.pattern)) item['x-vault-sudo'] = true;
      if (pathListMatches(this.def.unauthenticatedPaths ?? [], p.def.pattern)) item['x-vault-unauthenticated'] = true;
      if (ops.create) item['x-vault-createSupported'] = true;
      const props: Record<string, unknown> = {};
      const required: string[] = [];
      for (const [name, f] of Object.entries(p.def.fields ?? {})) {
        if (p.pattern.names.includes(name)) continue;
        props[name] = fieldSchema(f);
        if (f.required) required.push(name);
      }
      for (const op of Object.keys(ops) as Operation[]) {
        // As in Vault: create is folded into update, and a list beside a read into the read.
        if ((op === 'create' && ops.update) || (op === 'list' && ops.read)) continue;
        const verb = op === 'read' || op === 'list' ? 'get' : op === 'delete' ? 'delete' : op === 'patch' ? 'patch' : 'post';
        const entry: Record<string, unknown> = { operationId: `${op}-${prefix}${p.def.pattern}`.replace(/[^A-Za-z0-9-]+/g, '-'), responses: op === 'delete' ? { '204': { description: 'empty body' } } : { '200': { description: 'OK' } } };
        if (verb === 'post' || verb === 'patch') {
          entry.requestBody = { content: { 'application/json': { schema: { type: 'object', properties: props, ...(required.length ? { required: [...required].sort() } : {}) } } } };
        }
        if (op === 'list') entry.parameters = [{ name: 'list', in: 'query', required: true, description: 'Must be set to `true`', schema: { type: 'string', enum: ['true'] } }];
        else if (op === 'read' && ops.list) entry.parameters = [{ name: 'list', in: 'query', description: 'Return a list if `true`', schema: { type: 'string' } }];
        item[verb] = entry;
      }
      out[apiPath] = item;
    }
    return out;
  }
}

/** A field's JSON schema with Vault's type mapping (durations are integer seconds that also accept "1h"). */
function fieldSchema(f: FieldSchema): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  switch (f.type) {
    case 'int': s.type = 'integer'; break;
    case 'bool': s.type = 'boolean'; break;
    case 'duration': case 'signed_duration': s.type = 'integer'; s.format = 'seconds'; break;
    case 'strings': case 'string_list': s.type = 'array'; s.items = { type: 'string' }; break;
    case 'int_list': s.type = 'array'; s.items = { type: 'integer' }; break;
    case 'map': s.type = 'object'; s.format = 'map'; break;
    case 'kvpairs': s.type = 'object'; s.format = 'kvpairs'; break;
    case 'string': s.type = 'string'; break;
    // 'any' takes whatever JSON the handler interprets; no type constrains it.
    case 'any': break;
  }
  s.description = f.description ?? '';
  if (f.allowed) s.enum = [...f.allowed];
  if (f.default !== undefined) s.default = f.default;
  if (f.sensitive) s['x-vault-sensitive'] = true;
  if (f.deprecated) s.deprecated = true;
  return s;
}

/** Convenience for handlers: a 400 when a required value is empty. */
export function requireField(data: FieldData, name: string): string {
  const v = data.str(name);
  if (!v) throw badRequest(`missing ${name}`);
  return v;
}
