/**
 * Typed reads from a parsed HCL/JSON body for the agent's config loader: each getter names the
 * file, line and key when a value has the wrong type, and marks keys it consumed so the loader
 * can warn about the ones nobody read (Vault's agent warns about unknown keys too).
 */
import { HclBlock, isBlockList, lineOf, type HclBody } from '../lib/hcl.js';
import { parseDuration } from '../lib/duration.js';

export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

export class Section {
  private readonly used = new Set<string>();

  constructor(
    readonly body: HclBody,
    readonly file: string,
    /** Dotted path of this section, for messages ("auto_auth.method"). */
    readonly path: string,
    readonly line = 0,
  ) {}

  where(key?: string): string {
    const pos = key ? lineOf(this.body, key) : undefined;
    const line = pos?.line ?? this.line;
    return line ? `${this.file}:${line}` : this.file;
  }

  fail(key: string | undefined, msg: string): never {
    throw new AgentConfigError(`${this.where(key)}: ${key ? `${this.path ? this.path + '.' : ''}${key}: ` : ''}${msg}`);
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.body, key);
  }

  raw(key: string): unknown {
    this.used.add(key);
    return this.body[key];
  }

  string(key: string, def = ''): string {
    const v = this.raw(key);
    if (v === undefined || v === null) return def;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.fail(key, `expected a string, found ${describe(v)}`);
  }

  bool(key: string, def = false): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return def;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v)) return /^(1|t|T|TRUE|true|True)$/.test(v);
    if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
    this.fail(key, `expected a boolean, found ${describe(v)}`);
  }

  int(key: string, def: number): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return def;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return parseInt(v, 10);
    this.fail(key, `expected an integer, found ${describe(v)}`);
  }

  float(key: string, def: number): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return def;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n)) this.fail(key, `expected a number, found ${describe(v)}`);
    return n;
  }

  /** Seconds, from "5m", "1h30m", "90s" or a number of seconds. */
  duration(key: string, def: number): number {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return def;
    try {
      return parseDuration(v);
    } catch (e) {
      this.fail(key, (e as Error).message);
    }
  }

  /** A file mode: an octal string ("0640") or a number (HCL reads 0640 as octal already). */
  mode(key: string): number | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
    if (typeof v === 'string' && /^0?[0-7]{1,4}$/.test(v.trim())) return parseInt(v.trim(), 8);
    this.fail(key, `expected a file mode such as "0640", found ${describe(v)}`);
  }

  /** A string or a list of strings. */
  stringList(key: string): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    this.fail(key, `expected a string or a list of strings, found ${describe(v)}`);
  }

  /** A nested object written as a block (`config { … }`) or an attribute (`config = { … }`). */
  child(key: string): Section | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null) return undefined;
    const path = this.path ? `${this.path}.${key}` : key;
    if (isBlockList(v)) {
      if (v.length > 1) new Section(this.body, this.file, this.path).fail(key, `only one "${key}" block is allowed`);
      return new Section(v[0]!.body, this.file, path, v[0]!.line);
    }
    if (Array.isArray(v) && v.length === 1 && isObject(v[0])) return new Section(v[0] as HclBody, this.file, path, lineOf(this.body, key)?.line);
    if (isObject(v)) return new Section(v as HclBody, this.file, path, lineOf(this.body, key)?.line);
    this.fail(key, `expected an object, found ${describe(v)}`);
  }

  /**
   * Blocks of a type that may carry one label (`method "kubernetes" {}`), or none with the label
   * given inside (`method { type = "kubernetes" }`), or come from JSON as a list or an object.
   */
  blocks(key: string, labelKey: string | undefined): { label: string | undefined; section: Section }[] {
    const v = this.raw(key);
    if (v === undefined || v === null) return [];
    const path = this.path ? `${this.path}.${key}` : key;
    const line = lineOf(this.body, key)?.line ?? this.line;
    const out: { label: string | undefined; section: Section }[] = [];
    const add = (label: string | undefined, body: HclBody, l: number) => out.push({ label, section: new Section(body, this.file, label ? `${path}[${label}]` : path, l) });
    if (isBlockList(v)) {
      for (const b of v as HclBlock[]) {
        if (b.labels.length > 1) this.fail(key, `expected at most one label, found ${b.labels.length}`);
        add(b.labels[0], b.body, b.line);
      }
      return out;
    }
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (!isObject(item)) this.fail(key, `expected an object, found ${describe(item)}`);
      const obj = item as HclBody;
      const entries = Object.entries(obj);
      const labelled = labelKey !== undefined && !(labelKey in obj) && entries.length > 0 && entries.every(([, x]) => isObject(x) || isBlockList(x));
      if (labelled) {
        for (const [label, inner] of entries) {
          const body = isBlockList(inner) ? (inner as HclBlock[])[0]!.body : (inner as HclBody);
          add(label, body, lineOf(obj, label)?.line ?? line);
        }
      } else {
        add(undefined, obj, line);
      }
    }
    return out;
  }

  /** The keys present that no getter asked for. */
  unused(): string[] {
    return Object.keys(this.body).filter((k) => !this.used.has(k));
  }

  /** Everything under this section as plain values (for method `config` maps). */
  plain(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.body)) {
      this.used.add(k);
      out[k] = isBlockList(v) ? (v as HclBlock[]).map((b) => b.body) : v;
    }
    return out;
  }
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof HclBlock);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}
