/**
 * consul-template's function map, and a helper that parses a template the way consul-template
 * does (name "", missingkey=zero or =error, its delimiters, its functions, function_denylist).
 */
import { Template } from '../template.js';
import { goFunc, type FuncMap, type GoFunc } from '../types.js';
import { fileFuncs, type FileFuncOptions } from './files.js';
import { pluginFunc } from './plugin.js';
import { Scratch } from './scratch.js';
import { textFuncs } from './text.js';
import { formatGoTime, RFC3339 } from './timefmt.js';
import { vaultFuncs, type TemplateDataSource } from './vault.js';
import { globMatch } from './glob.js';

export interface ConsulTemplateOptions extends FileFuncOptions {
  data?: TemplateDataSource;
  /** The template's destination: pkiCert keeps its certificate there. */
  destination?: string;
  leftDelim?: string;
  rightDelim?: string;
  errorOnMissingKey?: boolean;
  /** Globs of function names that are replaced by one that fails ("function is disabled"). */
  functionDenylist?: string[];
  now?: () => Date;
  /** Extra functions (tests, embedding). */
  extraFuncs?: FuncMap;
}

export function consulTemplateFuncs(opts: ConsulTemplateOptions, executeTemplate: (name: string, data: unknown) => Promise<string>): Record<string, GoFunc> {
  const now = opts.now ?? (() => new Date());
  const scratch = new Scratch();
  const funcs: Record<string, GoFunc> = {
    ...vaultFuncs(opts.data, opts.destination),
    ...fileFuncs(opts),
    ...textFuncs(),
    plugin: pluginFunc(opts.processEnv),
    scratch: goFunc([], () => scratch),
    timestamp: goFunc([], (...s: string[]) => {
      if (s.length === 0) return formatGoTime(now(), RFC3339);
      if (s.length === 1) return s[0] === 'unix' ? String(Math.floor(now().getTime() / 1000)) : formatGoTime(now(), s[0]!);
      throw new Error(`timestamp: wrong number of arguments, expected 0 or 1, but got ${s.length}`);
    }, 'string'),
    executeTemplate: goFunc(['string'], (name: string, ...data: unknown[]) => {
      if (data.length > 1) throw new Error(`executeTemplate: wrong number of arguments, expected 1 or 2, but got ${data.length + 1}`);
      return executeTemplate(name, data.length === 1 ? data[0] : undefined);
    }, 'any'),
  };
  for (const [k, f] of Object.entries(opts.extraFuncs ?? {})) funcs[k] = typeof f === 'function' ? { params: [], variadic: 'any', fn: f } : f;
  for (const pattern of opts.functionDenylist ?? []) {
    for (const name of Object.keys(funcs)) {
      if (globMatch(pattern, name)) funcs[name] = goFunc([], () => {
        throw new Error('function is disabled');
      }, 'string');
    }
  }
  return funcs;
}

/** Parses template text with consul-template's settings; execute it with `undefined` as data. */
export function parseConsulTemplate(text: string, opts: ConsulTemplateOptions = {}): Template {
  let tmpl: Template | undefined;
  const funcs = consulTemplateFuncs(opts, (name, data) => tmpl!.executeTemplate(name, data));
  tmpl = Template.parse(text, {
    name: '',
    leftDelim: opts.leftDelim,
    rightDelim: opts.rightDelim,
    funcs,
    missingKey: opts.errorOnMissingKey ? 'error' : 'zero',
  });
  return tmpl;
}

export type { TemplateDataSource };
