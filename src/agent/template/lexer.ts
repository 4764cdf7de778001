/**
 * Tokens of Go's text/template: text between actions, and inside `{{ }}` the words of a pipeline.
 * Trim markers (`{{- ` and ` -}}`) are applied here, by cutting the whitespace off the
 * neighbouring text tokens, and comments are dropped, so the parser never sees either.
 */

export type TokenType =
  | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'identifier' | 'keyword' | 'field' | 'variable'
  | 'string' | 'rawString' | 'char' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'leftParen'
  | 'rightParen' | 'declare' | 'assign' | 'comma' | 'other' | 'eof' | 'error';

export interface Token {
  type: TokenType;
  /** The token's source text (for strings, with quotes; for errors, the message). */
  val: string;
  /** Offset in the template text. */
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.test(c);
}

export class LexError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

/** Splits the whole template into tokens; a lexing error becomes the last token, of type 'error'. */
export function lex(input: string, leftDelim = '{{', rightDelim = '}}'): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let parenDepth = 0;

  const countLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (input.charCodeAt(i) === 10) line++;
  };
  const emit = (type: TokenType, start: number, end: number) => {
    tokens.push({ type, val: input.slice(start, end), pos: start, line });
    countLines(start, end);
  };
  const fail = (msg: string): Token[] => {
    tokens.push({ type: 'error', val: msg, pos, line });
    return tokens;
  };
  /** Where a right delimiter (with or without a trim marker) starts at i, and whether it trims. */
  const rightDelimAt = (i: number): { len: number; trim: boolean } | undefined => {
    if (input.startsWith(rightDelim, i)) return { len: rightDelim.length, trim: false };
    if (input[i] === ' ' || isSpace(input[i])) {
      if (input[i + 1] === '-' && input.startsWith(rightDelim, i + 2)) return { len: 2 + rightDelim.length, trim: true };
    }
    return undefined;
  };

  while (pos < input.length) {
    // Text up to the next action.
    const next = input.indexOf(leftDelim, pos);
    const textEnd = next < 0 ? input.length : next;
    let trimmedEnd = textEnd;
    const trimLeft = next >= 0 && input[next + leftDelim.length] === '-' && isSpace(input[next + leftDelim.length + 1]);
    if (trimLeft) while (trimmedEnd > pos && isSpace(input[trimmedEnd - 1])) trimmedEnd--;
    if (trimmedEnd > pos) emit('text', pos, trimmedEnd);
    countLines(trimmedEnd, textEnd);
    if (next < 0) {
      pos = input.length;
      break;
    }
    pos = next;
    // The action.
    const actionStart = pos;
    let inner = pos + leftDelim.length + (trimLeft ? 2 : 0);
    if (input.startsWith('/*', inner)) {
      const close = input.indexOf('*/', inner + 2);
      if (close < 0) {
        pos = actionStart;
        return fail('unclosed comment');
      }
      const after = rightDelimAt(close + 2);
      if (!after) {
        pos = actionStart;
        return fail('comment ends before closing delimiter');
      }
      countLines(actionStart, close + 2 + after.len);
      pos = close + 2 + after.len;
      if (after.trim) while (pos < input.length && isSpace(input[pos])) {
        if (input[pos] === '\n') line++;
        pos++;
      }
      continue;
    }
    emit('leftDelim', actionStart, actionStart + leftDelim.length);
    countLines(actionStart + leftDelim.length, inner);
    pos = inner;
    parenDepth = 0;
    // Inside the action.
    for (;;) {
      const rd = rightDelimAt(pos);
      if (rd && (input.startsWith(rightDelim, pos) || rd.trim)) {
        if (parenDepth > 0) return fail('unclosed left paren');
        const delimStart = rd.trim ? pos + 2 : pos;
        if (rd.trim) emit('space', pos, pos + 1);
        tokens.push({ type: 'rightDelim', val: rightDelim, pos: delimStart, line });
        pos = delimStart + rightDelim.length;
        if (rd.trim) while (pos < input.length && isSpace(input[pos])) {
          if (input[pos] === '\n') line++;
          pos++;
        }
        break;
      }
      if (pos >= input.length) return fail('unclosed action');
      const c = input[pos]!;
      const start = pos;
      if (isSpace(c)) {
        while (isSpace(input[pos]) && !rightDelimAt(pos)?.trim) pos++;
        if (pos === start) pos++;
        emit('space', start, pos);
      } else if (c === '=') {
        pos++;
        emit('assign', start, pos);
      } else if (c === ':') {
        if (input[pos + 1] !== '=') return fail('expected :=');
        pos += 2;
        emit('declare', start, pos);
      } else if (c === '|') {
        pos++;
        emit('pipe', start, pos);
      } else if (c === '"') {
        pos++;
        for (;;) {
          const ch = input[pos];
          if (ch === '\\' && pos + 1 < input.length && input[pos + 1] !== '\n') pos += 2;
          else if (ch === undefined || ch === '\n') return fail('unterminated quoted string');
          else if (ch === '"') break;
          else pos++;
        }
        pos++;
        emit('string', start, pos);
      } else if (c === '`') {
        const close = input.indexOf('`', pos + 1);
        if (close < 0) return fail('unterminated raw quoted string');
        pos = close + 1;
        emit('rawString', start, pos);
      } else if (c === "'") {
        pos++;
        for (;;) {
          const ch = input[pos];
          if (ch === '\\' && pos + 1 < input.length && input[pos + 1] !== '\n') pos += 2;
          else if (ch === undefined || ch === '\n') return fail('unterminated character constant');
          else if (ch === "'") break;
          else pos++;
        }
        pos++;
        emit('char', start, pos);
      } else if (c === '$') {
        pos++;
        while (pos < input.length && ALNUM.test(input[pos]!)) pos++;
        if (!atTerminator(pos)) return fail(`bad character ${goRune(input, pos)}`);
        emit('variable', start, pos);
      } else if (c === '.') {
        const n1 = input[pos + 1];
        if (n1 !== undefined && /[0-9]/.test(n1)) {
          if (!lexNumber()) return fail(`bad number syntax: "${input.slice(start, pos)}"`);
          emit('number', start, pos);
        } else if (n1 !== undefined && ALNUM.test(n1)) {
          pos++;
          while (pos < input.length && ALNUM.test(input[pos]!)) pos++;
          if (!atTerminator(pos)) return fail(`bad character ${goRune(input, pos)}`);
          emit('field', start, pos);
        } else {
          pos++;
          emit('dot', start, pos);
        }
      } else if (c === '+' || c === '-' || /[0-9]/.test(c)) {
        if (!lexNumber()) return fail(`bad number syntax: "${input.slice(start, pos)}"`);
        emit('number', start, pos);
      } else if (ALNUM.test(c)) {
        while (pos < input.length && ALNUM.test(input[pos]!)) pos++;
        if (!atTerminator(pos)) return fail(`bad character ${goRune(input, pos)}`);
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit('keyword', start, pos);
        else if (word === 'true' || word === 'false') emit('bool', start, pos);
        else if (word === 'nil') emit('nil', start, pos);
        else emit('identifier', start, pos);
      } else if (c === '(') {
        pos++;
        parenDepth++;
        emit('leftParen', start, pos);
      } else if (c === ')') {
        pos++;
        parenDepth--;
        emit('rightParen', start, pos);
      } else if (c === ',') {
        pos++;
        emit('comma', start, pos);
      } else if (c >= ' ' && c <= '~') {
        pos++;
        emit('other', start, pos); // printable ASCII: the parser reports it as unexpected
      } else {
        return fail(`unrecognized character in action: ${goRune(input, pos)}`);
      }
    }
  }
  tokens.push({ type: 'eof', val: '', pos, line });
  return tokens;

  function atTerminator(i: number): boolean {
    const ch = input[i];
    if (ch === undefined || isSpace(ch) || '.,|:()'.includes(ch)) return true;
    return input.startsWith(rightDelim, i);
  }

  /** Scans a Go number literal (sign, base prefix, underscores, fraction, exponent, imaginary). */
  function lexNumber(): boolean {
    if (input[pos] === '+' || input[pos] === '-') pos++;
    let digits = '0123456789_';
    if (input[pos] === '0' && /[xXoObB]/.test(input[pos + 1] ?? '')) {
      const p = input[pos + 1]!.toLowerCase();
      pos += 2;
      digits = p === 'x' ? '0123456789abcdefABCDEF_' : p === 'o' ? '01234567_' : '01_';
    }
    const run = (set: string) => {
      while (pos < input.length && set.includes(input[pos]!)) pos++;
    };
    run(digits);
    if (input[pos] === '.') {
      pos++;
      run(digits);
    }
    if (digits.length === 11 && /[eE]/.test(input[pos] ?? '')) {
      pos++;
      if (input[pos] === '+' || input[pos] === '-') pos++;
      run('0123456789_');
    }
    if (digits.length > 11 && /[pP]/.test(input[pos] ?? '')) {
      pos++;
      if (input[pos] === '+' || input[pos] === '-') pos++;
      run('0123456789_');
    }
    if (input[pos] === 'i') pos++;
    if (pos < input.length && ALNUM.test(input[pos]!)) {
      pos++;
      return false;
    }
    return true;
  }
}

/** Go's %#U spelling of the rune at i: U+0021 '!'. */
function goRune(s: string, i: number): string {
  const cp = s.codePointAt(i) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${String.fromCodePoint(cp)}'`;
}
