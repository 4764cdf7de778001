/**
 * The parse tree of a Go template. Every node keeps its offset so errors can name line and
 * column, and prints back to template syntax (Go shows that text in `executing "t" at <…>`).
 */

interface Base {
  pos: number;
}

export interface TextNode extends Base { type: 'text'; text: string }
export interface ActionNode extends Base { type: 'action'; line: number; pipe: PipeNode }
export interface ListNode extends Base { type: 'list'; nodes: Node[] }
export interface BranchNode extends Base {
  type: 'if' | 'with' | 'range';
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}
export interface TemplateNode extends Base { type: 'template'; line: number; name: string; pipe?: PipeNode }
export interface BreakNode extends Base { type: 'break'; line: number }
export interface ContinueNode extends Base { type: 'continue'; line: number }

export interface PipeNode extends Base {
  type: 'pipe';
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode extends Base { type: 'command'; args: ArgNode[] }
export interface FieldNode extends Base { type: 'field'; ident: string[] }
export interface VariableNode extends Base { type: 'variable'; ident: string[] }
export interface ChainNode extends Base { type: 'chain'; node: ArgNode; field: string[] }
export interface IdentifierNode extends Base { type: 'identifier'; ident: string }
export interface DotNode extends Base { type: 'dot' }
export interface NilNode extends Base { type: 'nil' }
export interface BoolNode extends Base { type: 'bool'; value: boolean }
export interface StringNode extends Base { type: 'string'; quoted: string; text: string }
export interface NumberNode extends Base {
  type: 'number';
  text: string;
  isInt: boolean;
  isFloat: boolean;
  int?: number;
  float?: number;
  /** How the number is taken when nothing dictates a type: Go's "ideal constant" rule. */
  ideal: 'int' | 'float';
}

export type ArgNode =
  | FieldNode | VariableNode | ChainNode | IdentifierNode | DotNode | NilNode | BoolNode | StringNode | NumberNode | PipeNode;
export type Node = TextNode | ActionNode | ListNode | BranchNode | TemplateNode | BreakNode | ContinueNode;

/** A parsed template body, as Go's parse.Tree. */
export interface Tree {
  name: string;
  /** The name of the top-level template the text was parsed for (Go's ParseName), used in errors. */
  parseName: string;
  root: ListNode;
  text: string;
}

export function nodeString(n: Node | ArgNode | CommandNode): string {
  switch (n.type) {
    case 'text':
      return JSON.stringify(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'if':
    case 'with':
    case 'range': {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'template':
      return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return n.ident.map((f) => '.' + f).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain': {
      const head = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return head + n.field.map((f) => '.' + f).join('');
    }
    case 'identifier':
      return n.ident;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
  }
}

/** "name:line:col" for a node, with col a byte offset in its line as Go counts it. */
export function location(tree: Tree, pos: number): string {
  const before = tree.text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  const line = 1 + (before.match(/\n/g)?.length ?? 0);
  const col = nl < 0 ? Buffer.byteLength(before) : Buffer.byteLength(before.slice(nl + 1));
  return `${tree.parseName}:${line}:${col}`;
}

/** Go's ErrorContext: the node's text. */
export function errorContext(n: Node | ArgNode | CommandNode): string {
  return nodeString(n);
}
