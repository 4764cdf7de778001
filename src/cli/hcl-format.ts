/**
 * Canonical layout for HCL policy files (`policy fmt`), in the style of hclfmt: two-space
 * indents, one space around `=`, aligned `=` in consecutive attributes, `{` on the block's line,
 * comments and heredocs kept, at most one blank line in a row.
 */

type Tok =
  | { t: 'str' | 'word' | 'heredoc' | 'comment'; v: string; line: number; col: number }
  | { t: '{' | '}' | '[' | ']' | '=' | ',' | 'nl'; v: string; line: number; col: number };

export class HCLSyntaxError extends Error {}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = () => ({ line, col: i - lineStart + 1 });
  const fail = (msg: string, at = here()): never => {
    throw new HCLSyntaxError(`At ${at.line}:${at.col}: ${msg}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    const pos = here();
    if (c === '\n') {
      toks.push({ t: 'nl', v: '\n', ...pos });
      i++; line++; lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      toks.push({ t: 'comment', v: src.slice(i, stop).trimEnd(), ...pos });
      i = stop;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) fail('comment not terminated', pos);
      const v = src.slice(i, end + 2);
      toks.push({ t: 'comment', v, ...pos });
      for (const ch of v) if (ch === '\n') line++;
      i = end + 2;
      if (v.includes('\n')) lineStart = src.lastIndexOf('\n', i - 1) + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') j++;
        if (src[j] === '\n') fail('literal not terminated', pos);
        j++;
      }
      if (j >= src.length) fail('literal not terminated', pos);
      toks.push({ t: 'str', v: src.slice(i, j + 1), ...pos });
      i = j + 1;
    } else if (c === '<' && src[i + 1] === '<') {
      const m = /^<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\r?\n/.exec(src.slice(i));
      if (!m) fail('invalid heredoc', pos);
      const marker = m![1]!;
      const bodyStart = i + m![0].length;
      const endRe = new RegExp(`^[ \\t]*${marker}[ \\t]*$`, 'm');
      const rest = src.slice(bodyStart);
      const em = endRe.exec(rest);
      if (!em) fail(`heredoc not terminated (missing ${marker})`, pos);
      const stop = bodyStart + em!.index + em![0].length;
      const v = src.slice(i, stop);
      toks.push({ t: 'heredoc', v, ...pos });
      for (const ch of v) if (ch === '\n') line++;
      i = stop;
      lineStart = src.lastIndexOf('\n', i - 1) + 1;
    } else if ('{}[]=,'.includes(c)) {
      toks.push({ t: c as '{', v: c, ...pos });
      i++;
    } else if (/[A-Za-z0-9_.\-+*:/]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_.\-+*:/]/.test(src[j]!)) j++;
      toks.push({ t: 'word', v: src.slice(i, j), ...pos });
      i = j;
    } else {
      fail(`illegal char ${JSON.stringify(c)}`, pos);
    }
  }
  return toks;
}

/** Checks nesting and statement shape; throws HCLSyntaxError naming line and column. */
function validate(toks: Tok[]): void {
  const stack: Tok[] = [];
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k]!;
    if (tok.t === '{' || tok.t === '[') stack.push(tok);
    else if (tok.t === '}' || tok.t === ']') {
      const open = stack.pop();
      const want = tok.t === '}' ? '{' : '[';
      if (!open || open.t !== want) throw new HCLSyntaxError(`At ${tok.line}:${tok.col}: unexpected ${tok.v}`);
    } else if (tok.t === '=') {
      const next = toks.slice(k + 1).find((x) => x.t !== 'comment');
      if (!next || next.t === 'nl' || next.t === '}' || next.t === '=' || next.t === ',') throw new HCLSyntaxError(`At ${tok.line}:${tok.col}: expected a value after "="`);
    }
  }
  const open = stack.pop();
  if (open) throw new HCLSyntaxError(`At ${open.line}:${open.col}: ${open.v === '{' ? 'object' : 'list'} expected closing ${open.v === '{' ? '}' : ']'}`);
}

function listIsMultiline(toks: Tok[], start: number): boolean {
  let depth = 0;
  for (let k = start; k < toks.length; k++) {
    const t = toks[k]!.t;
    if (t === '[') depth++;
    else if (t === ']') { depth--; if (depth === 0) return false; }
    else if (t === 'nl' || t === 'comment') return true;
  }
  return false;
}

/** Aligns "=" in runs of consecutive `key = value` lines at the same indent. */
function alignEquals(lines: string[]): string[] {
  const out = [...lines];
  const attr = /^(\s*)("[^"]*"|[^\s"=]+) = (.*)$/;
  let k = 0;
  while (k < out.length) {
    const m = attr.exec(out[k]!);
    if (!m || out[k]!.trimEnd().endsWith('{')) { k++; continue; }
    let end = k;
    const run: RegExpExecArray[] = [];
    while (end < out.length) {
      const mm = attr.exec(out[end]!);
      if (!mm || mm[1] !== m[1] || out[end]!.trimEnd().endsWith('{')) break;
      run.push(mm);
      end++;
    }
    const width = Math.max(...run.map((r) => r[2]!.length));
    run.forEach((r, n) => { out[k + n] = `${r[1]}${r[2]!.padEnd(width)} = ${r[3]}`; });
    k = end;
  }
  return out;
}

export function formatHCL(src: string): string {
  const toks = tokenize(src);
  validate(toks);
  const lines: string[] = [];
  let cur = '';
  let depth = 0;
  let blank = 0;
  // Open containers: a block, a multi-line list or a list printed on one line.
  const open: ('{' | 'ml' | 'il')[] = [];
  const indent = () => '  '.repeat(depth);
  const flush = () => {
    if (cur.trim()) {
      let line = cur.trim();
      // Items of a multi-line list each end with a comma, as hclfmt prints them.
      if (open[open.length - 1] === 'ml' && !/[,[{]$/.test(line) && !line.startsWith('#') && !line.startsWith('//')) line += ',';
      lines.push(indent() + line);
      blank = 0;
    }
    cur = '';
  };
  const append = (s: string) => {
    if (cur.trim() === '}' || cur.trim() === ']') flush();
    if (!cur) cur = s;
    else if (cur.endsWith('[') || cur.endsWith(' ') || s === ',' || s === ']') cur += s;
    else cur += ` ${s}`;
  };
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k]!;
    const inInlineList = open[open.length - 1] === 'il';
    switch (tok.t) {
      case 'nl':
        if (inInlineList) break;
        if (cur.trim()) flush();
        else if (lines.length && blank === 0) { lines.push(''); blank = 1; }
        break;
      case '{':
        append('{');
        flush();
        open.push('{');
        depth++;
        blank = 1;
        break;
      case '}':
        flush();
        open.pop();
        depth = Math.max(0, depth - 1);
        cur = '}';
        break;
      case '[': {
        const one = !listIsMultiline(toks, k);
        append('[');
        if (one) open.push('il');
        else {
          open.push('ml');
          lines.push(indent() + cur.trim());
          cur = '';
          depth++;
          blank = 1;
        }
        break;
      }
      case ']':
        if (inInlineList) {
          cur = cur.replace(/,\s*$/, '');
          cur += ']';
          open.pop();
        } else {
          flush();
          open.pop();
          depth = Math.max(0, depth - 1);
          cur = ']';
        }
        break;
      case ',':
        cur = cur.trimEnd() + (inInlineList ? ', ' : ',');
        break;
      case '=':
        cur = `${cur.trimEnd()} = `;
        break;
      case 'comment':
        if (cur.trim()) cur = `${cur.trimEnd()} ${tok.v}`;
        else cur = tok.v;
        break;
      default:
        append(tok.v);
    }
  }
  flush();
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  // A blank line right after "{" or before "}" is noise.
  const tidy = lines.filter((l, n) => !(l === '' && (lines[n - 1]?.trimEnd().endsWith('{') || lines[n + 1]?.trim() === '}')));
  return `${alignEquals(tidy).join('\n')}\n`;
}
