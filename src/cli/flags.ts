/**
 * Command-line flags with the rules of Go's `flag` package, which the vault CLI uses and which
 * scripts rely on: `-name` and `--name` are the same flag, values come as `-name=value` or
 * `-name value`, booleans only take the `=` form, and parsing stops at the first positional
 * argument (flags after it are positional too) or at `--`.
 */
import { parseDuration } from '../lib/duration.js';
import { parseGoBool } from '../api/env.js';

export type FlagKind = 'string' | 'bool' | 'int' | 'duration' | 'strings' | 'map' | 'optionalBool';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  usage: string;
  /** Default value when neither the flag nor its environment variable is given. */
  default?: unknown;
  /** Environment variable that supplies the default, as in the vault CLI. */
  env?: string;
  aliases?: string[];
  hidden?: boolean;
  /** Help heading; "Command Options" when not set. */
  section?: string;
}

export type FlagValues = Record<string, any>;

export interface ParsedFlags {
  /** Values keyed by flag name: strings, booleans, numbers, seconds, string[] or a string map. */
  flags: FlagValues;
  /** Names of the flags given on the command line. */
  set: Set<string>;
  /** Positional arguments, in order. */
  args: string[];
}

/** A problem with how the command was called: exit code 1, as in vault. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function convert(spec: FlagSpec, raw: string, fromEnv = false): unknown {
  const name = spec.name;
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool':
    case 'optionalBool': {
      const b = parseGoBool(raw);
      if (b === undefined) throw new UsageError(`invalid boolean value "${raw}" for -${name}: parse error`);
      return b;
    }
    case 'int': {
      if (!/^[+-]?(\d+|0[xX][0-9a-fA-F]+)$/.test(raw.trim())) throw new UsageError(`invalid value "${raw}" for flag -${name}: parse error`);
      return Number(raw.trim().replace(/^\+/, ''));
    }
    case 'duration': {
      // "system" is the vault CLI's spelling of "use the system default" (sent as -1 → "system").
      if (raw === 'system') return -1;
      try {
        return parseDuration(raw);
      } catch (e) {
        if (fromEnv) return undefined;
        throw new UsageError(`invalid value "${raw}" for flag -${name}: ${(e as Error).message}`);
      }
    }
    case 'strings':
      return [raw.trim()];
    case 'map': {
      const i = raw.indexOf('=');
      if (i < 0) throw new UsageError(`invalid value "${raw}" for flag -${name}: missing = in KV pair: "${raw}"`);
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
  }
}

function initial(spec: FlagSpec, env: NodeJS.ProcessEnv): unknown {
  const fromEnv = spec.env ? env[spec.env] : undefined;
  if (fromEnv !== undefined && fromEnv !== '') {
    try {
      const v = convert(spec, fromEnv, true);
      if (v !== undefined) {
        if (spec.kind === 'strings') return fromEnv.split(',').map((s) => s.trim()).filter(Boolean);
        if (spec.kind !== 'map') return v;
      }
    } catch {
      // Vault ignores an unparsable variable and keeps the default; so do we.
    }
  }
  if (spec.kind === 'strings') return [...((spec.default as string[] | undefined) ?? [])];
  if (spec.kind === 'map') return { ...((spec.default as Record<string, string> | undefined) ?? {}) };
  if (spec.default !== undefined) return spec.default;
  switch (spec.kind) {
    case 'string': return '';
    case 'bool': return false;
    case 'int': case 'duration': return 0;
    default: return undefined;
  }
}

export function parseFlags(argv: string[], specs: FlagSpec[], env: NodeJS.ProcessEnv = {}): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const flags: FlagValues = {};
  for (const s of specs) flags[s.name] = initial(s, env);
  const set = new Set<string>();
  const fresh = new Set<string>(); // repeatable flags drop their env/default value on first use

  let i = 0;
  while (i < argv.length) {
    const s = argv[i]!;
    if (s.length < 2 || s[0] !== '-') break;
    let minuses = 1;
    if (s[1] === '-') {
      minuses = 2;
      if (s.length === 2) { i++; break; }
    }
    let name = s.slice(minuses);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') throw new UsageError(`bad flag syntax: ${s}`);
    i++;
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    if (spec.kind === 'bool' || spec.kind === 'optionalBool') {
      flags[spec.name] = value === undefined ? true : convert(spec, value);
    } else {
      if (value === undefined) {
        if (i >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
        value = argv[i++]!;
      }
      const v = convert(spec, value);
      if (spec.kind === 'strings' || spec.kind === 'map') {
        if (!fresh.has(spec.name)) {
          flags[spec.name] = spec.kind === 'strings' ? [] : {};
          fresh.add(spec.name);
        }
        if (spec.kind === 'strings') (flags[spec.name] as string[]).push(...(v as string[]));
        else {
          const [k, val] = v as [string, string];
          (flags[spec.name] as Record<string, string>)[k] = val;
        }
      } else {
        flags[spec.name] = v;
      }
    }
    set.add(spec.name);
  }
  return { flags, set, args: argv.slice(i) };
}

/** True when the arguments ask for help (`-h`, `-help`, `--help` before any `--`). */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '-h' || a === '-help' || a === '--help') return true;
  }
  return false;
}

/** Flags written after the first positional argument: vault warns that they are not flags. */
export function trailingFlags(args: string[], globals: string[] = ['format', 'detailed', 'output-curl-string', 'output-policy']): string[] {
  return args.filter((a) => {
    if (!a.startsWith('-') || a === '-') return false;
    const name = a.replace(/^-+/, '').split('=')[0]!;
    return !globals.includes(name);
  });
}

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(indent + line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

const EXAMPLES: Record<FlagKind, string> = {
  string: 'string', bool: '', int: 'int', duration: 'duration', strings: 'string', map: 'key=value', optionalBool: '',
};

/** The flag sections of a command's help, in the layout of vault's help. */
export function renderFlagHelp(specs: FlagSpec[]): string {
  const sections = new Map<string, FlagSpec[]>();
  for (const s of specs) {
    if (s.hidden) continue;
    const key = s.section ?? 'Command Options';
    if (!sections.has(key)) sections.set(key, []);
    sections.get(key)!.push(s);
  }
  const out: string[] = [];
  for (const [title, list] of sections) {
    out.push(`${title}:\n`);
    for (const s of list) {
      const ex = EXAMPLES[s.kind];
      let head = `  -${s.name}${ex ? `=<${ex}>` : ''}`;
      if (s.default !== undefined && s.default !== '' && s.default !== false && s.default !== 0 && !Array.isArray(s.default) && typeof s.default !== 'object') head += ` (default: ${String(s.default)})`;
      let usage = s.usage;
      if (s.env) usage += ` This can also be specified via the ${s.env} environment variable.`;
      out.push(`${head}\n${wrap(usage, 74, '      ')}\n`);
    }
  }
  return out.join('\n');
}
