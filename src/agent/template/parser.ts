/**
 * Go's text/template grammar: a top-level list of text and actions plus `define`d templates.
 * Errors are Go's: "template: NAME:LINE: MESSAGE". Functions must exist when the template is
 * parsed, and variables must be declared before use, as in Go.
 */
import type {
  ArgNode, BranchNode, CommandNode, ListNode, Node, NumberNode, PipeNode, StringNode, TemplateNode, Tree, VariableNode,
} from './ast.js';
import { quote } from './format.js';
import { lex, type Token } from './lexer.js';
import { parseGoFloat, parseGoInt, unquote } from './literals.js';

export { parseGoInt, unquote };

export class TemplateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateParseError';
  }
}

export interface ParseOptions {
  leftDelim?: string;
  rightDelim?: string;
  /** Is a function of this name available? (builtins and the function map) */
  hasFunction: (name: string) => boolean;
}

/** Parses `text` into its main tree (named `name`) and the trees it defines. */
export function parseTemplate(name: string, text: string, opts: ParseOptions): Map<string, Tree> {
  return new Parser(name, text, opts).parse();
}

type EndOrElse = { type: 'end' | 'else'; pos: number; line: number; elseKeyword?: 'if' | 'with' };

class Parser {
  private tokens: Token[];
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  private lastLine = 1;
  private readonly trees = new Map<string, Tree>();

  constructor(private readonly name: string, private readonly text: string, private readonly opts: ParseOptions) {
    this.tokens = lex(text, opts.leftDelim || '{{', opts.rightDelim || '}}');
  }

  parse(): Map<string, Tree> {
    const root: ListNode = { type: 'list', pos: 0, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const delim = this.next();
        if (this.nextNonSpace().type === 'keyword' && this.cur().val === 'define') {
          this.parseDefinition(delim);
          continue;
        }
        this.i = this.tokens.indexOf(delim);
      }
      const n = this.textOrAction();
      if ('end' === n.type || 'else' === n.type) this.errorf(`unexpected {{${n.type}}}`);
      root.nodes.push(n as Node);
    }
    this.addTree({ name: this.name, parseName: this.name, root, text: this.text });
    return this.trees;
  }

  // --- token stream -------------------------------------------------------------------------

  private cur(): Token {
    return this.tokens[Math.max(this.i - 1, 0)]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.type === 'error') this.lexError(t);
    if (this.i < this.tokens.length - 1) this.i++;
    this.lastLine = t.line;
    return t;
  }

  private peek(): Token {
    const t = this.tokens[this.i]!;
    if (t.type === 'error') this.lexError(t);
    return t;
  }

  private nextNonSpace(): Token {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }

  private peekNonSpace(): Token {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }

  private expect(type: Token['type'], context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  private lexError(t: Token): never {
    let extra = '';
    if (this.actionLine !== 0 && this.actionLine !== t.line) {
      extra = ` in action started at ${this.name}:${this.actionLine}`;
      if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
    }
    this.lastLine = t.line;
    this.errorf(t.val + extra);
  }

  errorf(msg: string): never {
    throw new TemplateParseError(`template: ${this.name}:${this.lastLine}: ${msg}`);
  }

  private unexpected(t: Token, context: string): never {
    this.errorf(`unexpected ${tokenString(t)} in ${context}`);
  }

  // --- structure -----------------------------------------------------------------------------

  private addTree(tree: Tree): void {
    const existing = this.trees.get(tree.name);
    if (existing && !isEmptyList(existing.root) && !isEmptyList(tree.root)) {
      this.errorf(`template: multiple definition of template "${tree.name}"`);
    }
    if (!existing || isEmptyList(existing.root)) this.trees.set(tree.name, tree);
  }

  private parseDefinition(_delim: Token): void {
    const context = 'define clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, context);
    const defName = unquote(nameTok.val, this);
    this.expect('rightDelim', context);
    const savedVars = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.type !== 'end') this.errorf(`unexpected {{${end.type}}} in ${context}`);
    this.addTree({ name: defName, parseName: this.name, root: list, text: this.text });
  }

  /** Items up to {{end}} or {{else}}, which is returned with the list. */
  private itemList(): [ListNode, EndOrElse] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n as EndOrElse];
      list.nodes.push(n as Node);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndOrElse {
    const t = this.nextNonSpace();
    if (t.type === 'text') return { type: 'text', pos: t.pos, text: t.val };
    if (t.type === 'leftDelim') {
      this.actionLine = t.line;
      try {
        return this.action();
      } finally {
        this.actionLine = 0;
      }
    }
    this.unexpected(t, 'input');
  }

  private action(): Node | EndOrElse {
    const t = this.nextNonSpace();
    if (t.type === 'keyword') {
      switch (t.val) {
        case 'block':
          return this.blockControl(t);
        case 'break':
        case 'continue':
          return this.loopControl(t);
        case 'else':
          return this.elseControl(t);
        case 'end':
          this.expect('rightDelim', 'end');
          return { type: 'end', pos: t.pos, line: t.line };
        case 'if':
        case 'range':
        case 'with':
          return this.branch(t.val, t);
        case 'template':
          return this.templateControl(t);
      }
    }
    this.i--;
    const pipe = this.pipeline('command', 'rightDelim');
    return { type: 'action', pos: t.pos, line: t.line, pipe };
  }

  private loopControl(t: Token): Node {
    const word = t.val;
    const tok = this.nextNonSpace();
    if (tok.type !== 'rightDelim') this.unexpected(tok, `{{${word}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
    return { type: word as 'break' | 'continue', pos: t.pos, line: t.line };
  }

  private elseControl(t: Token): EndOrElse {
    const p = this.peekNonSpace();
    // "else if" and "else with" share the enclosing construct's {{end}}.
    if (p.type === 'keyword' && (p.val === 'if' || p.val === 'with')) return { type: 'else', pos: p.pos, line: p.line, elseKeyword: p.val };
    this.expect('rightDelim', 'else');
    return { type: 'else', pos: t.pos, line: t.line };
  }

  private branch(context: 'if' | 'range' | 'with', t: Token): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === 'else') {
        if (next.elseKeyword && next.elseKeyword === context) {
          this.nextNonSpace(); // the "if"/"with" after else
          elseList = { type: 'list', pos: next.pos, nodes: [this.branch(context, this.cur())] };
        }
        if (!elseList) {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf('expected end; found {{else}}');
        }
      }
      return { type: context, pos: t.pos, line: t.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private templateName(context: string): [string, number] {
    const tok = this.nextNonSpace();
    if (tok.type !== 'string' && tok.type !== 'rawString') this.unexpected(tok, context);
    return [unquote(tok.val, this), tok.pos];
  }

  private templateControl(t: Token): TemplateNode {
    const context = 'template clause';
    const [name, pos] = this.templateName(context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.i--;
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos, line: t.line, name, pipe };
  }

  private blockControl(t: Token): TemplateNode {
    const context = 'block clause';
    const [name, pos] = this.templateName(context);
    const pipe = this.pipeline(context, 'rightDelim');
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    this.vars = savedVars;
    this.rangeDepth = savedRange;
    if (end.type !== 'end') this.errorf(`unexpected {{${end.type}}} in ${context}`);
    this.addTree({ name, parseName: this.name, root: list, text: this.text });
    return { type: 'template', pos, line: t.line, name, pipe };
  }

  // --- pipelines -----------------------------------------------------------------------------

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    // Declarations: "$x :=", "$x =", "$i, $v :=" (range only).
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const save = this.i;
      this.nextNonSpace();
      const after = this.peekNonSpace();
      if (after.type === 'declare' || after.type === 'assign') {
        this.nextNonSpace();
        pipe.isAssign = after.type === 'assign';
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (after.type === 'comma') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        if (context === 'range' && pipe.decl.length < 2) {
          const nxt = this.peekNonSpace().type;
          if (nxt === 'variable' || nxt === 'rightDelim' || nxt === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = save;
      break;
    }
    if (pipe.decl.length === 2 && !pipe.isAssign && !this.vars.includes(pipe.decl[0]!.ident[0]!)) {
      this.vars.push(pipe.decl[0]!.ident[0]!);
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case 'bool': case 'char': case 'dot': case 'field': case 'identifier': case 'number': case 'nil':
        case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.i--;
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]!.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      while (this.peek().type === 'space') this.next();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.i--;
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type !== 'field') return node;
    // Go positions a chained node at its first chained field, not at its head.
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        this.errorf(`unexpected . after term ${quote(nodeText(node))}`);
    }
    return { type: 'chain', pos: chainPos, node, field: fields };
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.opts.hasFunction(t.val)) this.errorf(`function "${t.val}" not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable':
        if (!this.vars.includes(t.val)) this.errorf(`undefined variable "${t.val}"`);
        return { type: 'variable', pos: t.pos, ident: [t.val] };
      case 'field':
        return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'char':
      case 'number':
        return this.number(t);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: t.pos, quoted: t.val, text: unquote(t.val, this) } satisfies StringNode;
    }
    this.i--;
    return undefined;
  }

  private number(t: Token): NumberNode {
    const text = t.val;
    const n: NumberNode = { type: 'number', pos: t.pos, text, isInt: false, isFloat: false, ideal: 'int' };
    if (t.type === 'char') {
      const s = unquote(text, this);
      const cps = Array.from(s);
      if (cps.length !== 1) this.errorf(`malformed character constant: ${text}`);
      n.isInt = n.isFloat = true;
      n.int = n.float = cps[0]!.codePointAt(0)!;
      return n;
    }
    if (text.endsWith('i')) this.errorf(`complex numbers are not supported: "${text}"`);
    const int = parseGoInt(text);
    if (int !== undefined) {
      n.isInt = n.isFloat = true;
      n.int = int;
      n.float = int;
    } else {
      const f = parseGoFloat(text);
      if (f === undefined) this.errorf(`illegal number syntax: "${text}"`);
      if (!/[.eEpP]/.test(text) || (/^[+-]?0[xX]/.test(text) && !/[pP]/.test(text))) this.errorf(`integer overflow: "${text}"`);
      n.isFloat = true;
      n.float = f;
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        n.isInt = true;
        n.int = f;
      }
    }
    const hexInt = /^[+-]?0[xX]/.test(text) && !/[pP]/.test(text);
    n.ideal = n.isFloat && !hexInt && /[.eEpP]/.test(text) ? 'float' : 'int';
    return n;
  }
}

function isEmptyList(l: ListNode): boolean {
  return l.nodes.every((n) => n.type === 'text' && n.text.trim() === '');
}

function nodeText(n: ArgNode): string {
  switch (n.type) {
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'bool':
      return String(n.value);
    case 'nil':
      return 'nil';
    default:
      return '.';
  }
}

function tokenString(t: Token): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (t.type === 'keyword' || t.type === 'nil' || t.type === 'dot') return `<${t.val}>`;
  const chars = Array.from(t.val);
  if (chars.length > 10) return quote(chars.slice(0, 10).join('')) + '...';
  return quote(t.val);
}

export type { VariableNode };
