/**
 * Go's RE2 syntax on JavaScript's engine: named groups, leading flag groups, \A, \z, \Q…\E
 * and POSIX classes are rewritten; what JS cannot express (inline flag groups, ungreedy mode)
 * is refused with an error rather than silently matching something else. Replacement strings
 * follow Go's Expand ($1, ${1}, $name, ${name}, $$; "$1x" is the group named "1x").
 */

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const cache = new Map<string, RegExp>();

export function compileGoRegexp(re: string): RegExp {
  const hit = cache.get(re);
  if (hit) return hit;
  let src = re;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]!.includes('U')) throw new Error(`error parsing regexp: ungreedy mode is not supported: \`${re}\``);
    flags += lead[1]!;
    src = src.slice(lead[0].length);
  }
  if (/\(\?[imsU-]+[:)]/.test(src)) throw new Error(`error parsing regexp: inline flag groups are not supported: \`${re}\``);
  src = src
    .replace(/\\Q([\s\S]*?)(\\E|$)/g, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
      const cls = POSIX[name];
      if (!cls) throw new Error(`error parsing regexp: invalid character class range: \`${m}\``);
      return neg ? `^${cls}` : cls;
    })
    .replace(/\\p([A-Z])/g, '\\p{$1}')
    .replace(/\\P([A-Z])/g, '\\P{$1}');
  if (/\\[pP]\{/.test(src)) flags += 'u';
  let compiled: RegExp;
  try {
    compiled = new RegExp(src, flags);
  } catch (e) {
    throw new Error(`error parsing regexp: ${(e as Error).message}`);
  }
  if (cache.size > 500) cache.clear();
  cache.set(re, compiled);
  return compiled;
}

/** regexp.ReplaceAllString: template with $-expansion applied to each match. */
export function goReplaceAll(re: RegExp, s: string, template: string): string {
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  return s.replace(global, (...args: unknown[]) => {
    const hasGroups = typeof args[args.length - 1] === 'object' && args[args.length - 1] !== null;
    const groups = (hasGroups ? args[args.length - 1] : {}) as Record<string, string | undefined>;
    const numbered = args.slice(0, hasGroups ? -3 : -2) as (string | undefined)[];
    return expand(template, numbered, groups);
  });
}

function expand(template: string, numbered: (string | undefined)[], named: Record<string, string | undefined>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest[0] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    let len = 0;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    if (braced) {
      name = braced[1];
      len = braced[0].length;
    } else if (bare) {
      name = bare[0];
      len = bare[0].length;
    }
    if (name === undefined) {
      out += '$'; // a malformed reference is kept as written
      continue;
    }
    i += len;
    if (/^\d+$/.test(name)) out += numbered[Number(name)] ?? '';
    else out += named[name] ?? '';
  }
  return out;
}
