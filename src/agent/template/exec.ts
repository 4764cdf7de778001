/**
 * Executes a parsed template the way Go's text/template does: the same scoping of variables,
 * the same field and map look-ups (missingkey=invalid|zero|error), the same truthiness and
 * printing, and errors worded "template: NAME:LINE:COL: executing "NAME" at <NODE>: …".
 * Execution is async because data functions may fetch from a server.
 */
import {
  errorContext, location, nodeString,
  type ArgNode, type BranchNode, type ChainNode, type CommandNode, type IdentifierNode,
  type Node, type NumberNode, type PipeNode, type TemplateNode, type Tree, type VariableNode,
} from './ast.js';
import { BUILTINS } from './builtins.js';
import { formatV } from './format.js';
import { assignArg } from './args.js';
import { TemplateAbort, TemplateExecError, type GoFunc, type MissingKey, type ParamType } from './types.js';
import { GoChan, GoFloat, GoStruct, isMap, isTrue, kindOf, sortedKeys, typeName } from './values.js';

const MISSING = Symbol('missing');
type Final = unknown | typeof MISSING;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_DEPTH = 100_000;

export interface ExecEnv {
  trees: ReadonlyMap<string, Tree>;
  funcs: ReadonlyMap<string, GoFunc>;
  missingKey: MissingKey;
}

interface Variable {
  name: string;
  value: unknown;
}

type AtNode = Node | ArgNode | CommandNode;

export async function executeTree(env: ExecEnv, tree: Tree, data: unknown): Promise<string> {
  const s = new State(env, tree, [{ name: '$', value: data }], 0);
  await s.walk(data, tree.root);
  return s.out.join('');
}

class State {
  out: string[] = [];
  private node: AtNode | undefined;

  constructor(
    private readonly env: ExecEnv,
    private readonly tree: Tree,
    private vars: Variable[],
    private readonly depth: number,
    out?: string[],
  ) {
    if (out) this.out = out;
  }

  // --- errors and variables ------------------------------------------------------------------

  private at(n: AtNode): void {
    this.node = n;
  }

  errorf(msg: string): never {
    const n = this.node;
    if (!n) throw new TemplateExecError(`template: ${this.tree.name}: ${msg}`);
    throw new TemplateExecError(`template: ${location(this.tree, n.pos)}: executing "${this.tree.name}" at <${errorContext(n)}>: ${msg}`);
  }

  private mark(): number {
    return this.vars.length;
  }

  private pop(mark: number): void {
    this.vars.length = mark;
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking the tree -----------------------------------------------------------------------

  async walk(dot: unknown, node: Node): Promise<void> {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = await this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(node, dot);
      case 'list':
        for (const n of node.nodes) {
          // Text is most of a template: write it without a round trip through the async walker.
          if (n.type === 'text') this.out.push(n.text);
          else await this.walk(dot, n);
        }
        return;
      case 'range':
        return this.walkRange(node, dot);
      case 'template':
        return this.walkTemplate(node, dot);
      case 'text':
        this.out.push(node.text);
        return;
    }
  }

  private async walkIfOrWith(node: BranchNode, dot: unknown): Promise<void> {
    const mark = this.mark();
    try {
      const val = await this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) await this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) await this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private async walkRange(node: BranchNode, dot: unknown): Promise<void> {
    this.at(node);
    const outer = this.mark();
    try {
      const val = await this.evalPipeline(dot, node.pipe);
      const mark = this.mark();
      const decl = node.pipe.decl;
      const one = async (index: unknown, elem: unknown): Promise<boolean> => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.vars[mark - 1]!.value = elem;
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.vars[mark - 2]!.value = index;
        }
        try {
          await this.walk(elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      let ran = false;
      switch (kindOf(val)) {
        case 'slice': {
          const arr = Array.from(val as ArrayLike<unknown>);
          for (let i = 0; i < arr.length; i++) {
            ran = true;
            if (!(await one(i, arr[i]))) break;
          }
          break;
        }
        case 'map': {
          const m = val as Record<string, unknown>;
          for (const k of sortedKeys(m)) {
            ran = true;
            if (!(await one(k, m[k]))) break;
          }
          break;
        }
        case 'int': {
          if (decl.length > 1) this.errorf(`can't use ${formatV(val)} to iterate over more than one variable`);
          const n = Number(val);
          for (let i = 0; i < n; i++) {
            ran = true;
            if (!(await one(i, i))) break;
          }
          break;
        }
        case 'chan': {
          if (decl.length > 1) this.errorf(`can't use ${formatV(val)} to iterate over more than one variable`);
          const items = (val as GoChan).items;
          for (let i = 0; i < items.length; i++) {
            ran = true;
            if (!(await one(i, items[i]))) break;
          }
          break;
        }
        case 'invalid':
        case 'nil':
          break;
        default:
          this.errorf(`range can't iterate over ${formatV(val)}`);
      }
      if (!ran && node.elseList) await this.walk(dot, node.elseList);
    } finally {
      this.pop(outer);
    }
  }

  private async walkTemplate(node: TemplateNode, dot: unknown): Promise<void> {
    this.at(node);
    const tree = this.env.trees.get(node.name);
    if (!tree) this.errorf(`template "${node.name}" not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = node.pipe ? await this.evalPipeline(dot, node.pipe) : undefined;
    const s = new State(this.env, tree, [{ name: '$', value: newDot }], this.depth + 1, this.out);
    await s.walk(newDot, tree.root);
  }

  private printValue(node: AtNode, v: unknown): void {
    this.at(node);
    if (v === undefined || v === null) {
      this.out.push('<no value>');
      return;
    }
    const k = kindOf(v);
    if (k === 'func' || k === 'chan') this.errorf(`can't print ${nodeString(node)} of type ${typeName(v)}`);
    // A pointer is dereferenced before printing, so a *struct prints as {…}, not &{…}.
    if (v instanceof GoStruct && v.goPointer) {
      this.out.push(formatV(v).slice(1));
      return;
    }
    this.out.push(typeof v === 'string' ? v : formatV(v));
  }

  // --- pipelines and commands ----------------------------------------------------------------

  private async evalPipeline(dot: unknown, pipe: PipeNode): Promise<unknown> {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = await this.evalCommand(dot, cmd, value);
      // An empty interface holding nil is no value at all once it leaves a command (Go unwraps it).
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  private async evalCommand(dot: unknown, cmd: CommandNode, final: Final): Promise<unknown> {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        this.at(first);
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    if (n.ideal === 'float') return new GoFloat(n.float!);
    if (n.isInt) return n.int!;
    this.errorf(`${n.text} overflows int`);
  }

  private async evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): Promise<unknown> {
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = await this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private async evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[], final: Final): Promise<unknown> {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private async evalFieldChain(dot: unknown, receiver: unknown, node: AtNode, ident: string[], args: ArgNode[] | undefined, final: Final): Promise<unknown> {
    let iface = false;
    for (let i = 0; i < ident.length - 1; i++) {
      let r = this.evalField(dot, ident[i]!, node, undefined, MISSING, receiver, iface);
      if (r instanceof Promise) r = await r;
      iface = isMap(receiver) || Array.isArray(receiver);
      receiver = r;
    }
    return this.evalField(dot, ident[ident.length - 1]!, node, args, final, receiver, iface);
  }

  /** Synchronous except for a struct method call, which returns a promise. */
  private evalField(dot: unknown, name: string, node: AtNode, args: ArgNode[] | undefined, final: Final, receiver: unknown, iface: boolean): unknown {
    if (receiver === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key "${name}"`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    const typ = iface ? 'interface {}' : typeName(receiver);
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    if (receiver instanceof GoStruct) {
      const method = receiver.goMethod(name);
      if (method) return this.evalCall(dot, { params: [], variadic: 'any', fn: method }, false, node, name, args, final);
      if (receiver.goFields.includes(name)) {
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        const v = (receiver as unknown as Record<string, unknown>)[name];
        return v === undefined ? null : v;
      }
      this.errorf(`can't evaluate field ${name} in type ${typ}`);
    }
    if (isMap(receiver)) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      if (Object.prototype.hasOwnProperty.call(receiver, name)) {
        const v = receiver[name];
        return v === undefined ? null : v;
      }
      switch (this.env.missingKey) {
        case 'invalid':
          return undefined;
        case 'zero':
          return null;
        case 'error':
          this.errorf(`map has no entry for key "${name}"`);
      }
    }
    this.errorf(`can't evaluate field ${name} in type ${typ}`);
  }

  private async evalFunction(dot: unknown, node: IdentifierNode, cmd: AtNode, args: ArgNode[] | undefined, final: Final): Promise<unknown> {
    this.at(node);
    const name = node.ident;
    const user = this.env.funcs.get(name);
    if (user) return this.evalCall(dot, user, false, cmd, name, args, final);
    const builtin = BUILTINS.get(name);
    if (!builtin) this.errorf(`"${name}" is not a defined function`);
    return this.evalCall(dot, builtin, true, cmd, name, args, final);
  }

  private async evalCall(dot: unknown, fun: GoFunc, isBuiltin: boolean, node: AtNode, name: string, argNodes: ArgNode[] | undefined, final: Final): Promise<unknown> {
    const args = argNodes ? argNodes.slice(1) : [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    const nParams = fun.params.length + (fun.variadic ? 1 : 0);
    if (fun.variadic) {
      if (numIn < fun.params.length) this.errorf(`wrong number of args for ${name}: want at least ${fun.params.length} got ${args.length}`);
    } else if (numIn !== nParams) {
      this.errorf(`wrong number of args for ${name}: want ${nParams} got ${numIn}`);
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: unknown;
      for (const a of args) {
        v = await this.evalArg(dot, 'value', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: unknown[] = [];
    const typeAt = (i: number): ParamType => (i < fun.params.length ? fun.params[i]! : fun.variadic!);
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      argv.push(a.type === 'string' && (typeAt(i) === 'string' || typeAt(i) === 'any' || typeAt(i) === 'value') ? a.text : await this.evalArg(dot, typeAt(i), a));
    }
    if (final !== MISSING) argv.push(this.validateType(final, typeAt(numIn - 1)));
    let result: unknown;
    try {
      result = await fun.fn(...argv);
    } catch (e) {
      if (e === BREAK || e === CONTINUE || e instanceof TemplateAbort) throw e;
      this.at(node);
      const msg = e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`);
    }
    return result === undefined ? null : result;
  }

  private async evalArg(dot: unknown, typ: ParamType | undefined, n: ArgNode): Promise<unknown> {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === undefined || typ === 'any' || typ === 'value' || typ.startsWith('[]') || typ.startsWith('map')) return null;
        this.errorf(`cannot assign nil to ${typ}`);
      case 'field':
        return this.validateType(await this.evalFieldChain(dot, dot, n, n.ident, [n], MISSING), typ);
      case 'variable':
        return this.validateType(await this.evalVariableNode(dot, n, [], MISSING), typ);
      case 'pipe':
        return this.validateType(await this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(await this.evalFunction(dot, n, n, undefined, MISSING), typ);
      case 'chain':
        return this.validateType(await this.evalChainNode(dot, n, [], MISSING), typ);
    }
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float!;
        this.errorf(`expected float; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int!;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      case undefined:
      case 'any':
      case 'value':
        if (n.type === 'bool') return n.value;
        if (n.type === 'string') return n.text;
        return this.idealConstant(n);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ}`);
  }

  /** Go's validateType: is the value assignable to the parameter? */
  private validateType(value: unknown, typ: ParamType | undefined): unknown {
    const r = assignArg(value, typ);
    if ('error' in r) this.errorf(r.error);
    return r.value;
  }
}

