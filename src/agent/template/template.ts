/**
 * The engine's public face: parse once, execute many times.
 *
 *   const t = Template.parse('{{ with secret "kv/app" }}{{ .Data.password }}{{ end }}', { funcs, missingKey: 'zero' });
 *   const text = await t.execute(data);
 */
import type { Tree } from './ast.js';
import { BUILTINS } from './builtins.js';
import { executeTree } from './exec.js';
import { parseTemplate } from './parser.js';
import { TemplateExecError, toGoFunc, type FuncMap, type GoFunc, type MissingKey } from './types.js';

export interface TemplateOptions {
  /** Shown in errors ("template: NAME:1:2: …"); consul-template uses "". */
  name?: string;
  leftDelim?: string;
  rightDelim?: string;
  funcs?: FuncMap;
  /** Go's default is 'invalid'; consul-template uses 'zero', or 'error' with error_on_missing_key. */
  missingKey?: MissingKey;
}

export class Template {
  readonly name: string;
  private readonly funcs: Map<string, GoFunc>;
  private readonly missingKey: MissingKey;

  private constructor(name: string, private readonly trees: Map<string, Tree>, funcs: Map<string, GoFunc>, missingKey: MissingKey) {
    this.name = name;
    this.funcs = funcs;
    this.missingKey = missingKey;
  }

  /** Parses the text; throws TemplateParseError with Go's message. */
  static parse(text: string, opts: TemplateOptions = {}): Template {
    const name = opts.name ?? '';
    const funcs = new Map(Object.entries(opts.funcs ?? {}).map(([k, f]) => [k, toGoFunc(f)]));
    const trees = parseTemplate(name, text, {
      leftDelim: opts.leftDelim,
      rightDelim: opts.rightDelim,
      hasFunction: (n) => funcs.has(n) || BUILTINS.has(n),
    });
    return new Template(name, trees, funcs, opts.missingKey ?? 'invalid');
  }

  /**
   * Functions that need the template they run in (executeTemplate) are bound after parsing;
   * only names declared at parse time can be rebound.
   */
  bindFuncs(funcs: FuncMap): this {
    for (const [k, f] of Object.entries(funcs)) this.funcs.set(k, toGoFunc(f));
    return this;
  }

  /** The names of the templates this text defines (its own name included). */
  templateNames(): string[] {
    return [...this.trees.keys()];
  }

  execute(data: unknown): Promise<string> {
    return this.executeTemplate(this.name, data);
  }

  executeTemplate(name: string, data: unknown): Promise<string> {
    const tree = this.trees.get(name);
    if (!tree) {
      return Promise.reject(new TemplateExecError(`template: no template "${name}" associated with template "${this.name}"`));
    }
    return executeTree({ trees: this.trees, funcs: this.funcs, missingKey: this.missingKey }, tree, data);
  }
}
