/**
 * Path patterns: literal segments, `:name` for one segment, `*name` for a non-empty greedy
 * tail, `*name?` for a possibly empty tail. Compiled once to a RegExp.
 */
export interface CompiledPattern {
  source: string;
  regex: RegExp;
  names: string[];
  /** Literal prefix length, used to order patterns from most to least specific. */
  literalLength: number;
}

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

export function compilePattern(pattern: string): CompiledPattern {
  const names: string[] = [];
  let re = '';
  let literalLength = 0;
  let inLiteral = true;
  for (let i = 0; i < pattern.length;) {
    const ch = pattern[i]!;
    if (ch === ':' || ch === '*') {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(pattern.slice(i + 1));
      if (!m) throw new Error(`bad pattern ${pattern}`);
      const name = m[0];
      names.push(name);
      i += 1 + name.length;
      inLiteral = false;
      if (ch === ':') {
        re += '([^/]+)';
      } else if (pattern[i] === '?') {
        re += '(.*)';
        i += 1;
      } else {
        re += '(.+)';
      }
    } else {
      re += escape(ch);
      if (inLiteral) literalLength += 1;
      i += 1;
    }
  }
  return { source: pattern, regex: new RegExp(`^${re}$`), names, literalLength };
}

export function matchPattern(p: CompiledPattern, path: string): Record<string, string> | null {
  const m = p.regex.exec(path);
  if (!m) return null;
  const out: Record<string, string> = {};
  p.names.forEach((n, i) => { out[n] = m[i + 1] ?? ''; });
  return out;
}

/** Vault's glob for root/unauthenticated path lists: a trailing `*` is a prefix match, a `+` segment matches any one segment. */
export function pathListMatches(list: readonly string[], path: string): boolean {
  for (const entry of list) {
    if (entry.includes('+')) {
      if (segmentsMatch(entry, path)) return true;
      continue;
    }
    if (entry.endsWith('*') ? path.startsWith(entry.slice(0, -1)) : path === entry) return true;
  }
  return false;
}

function segmentsMatch(entry: string, path: string): boolean {
  const want = entry.split('/');
  const got = path.split('/');
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (i === want.length - 1 && w.endsWith('*')) return got.length >= want.length && (got[i] ?? '').startsWith(w.slice(0, -1));
    if (got[i] === undefined || (w === '+' ? got[i] === '' : w !== got[i])) return false;
  }
  return got.length === want.length;
}
