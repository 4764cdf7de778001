/**
 * How template functions are declared. Go checks each argument against the function's parameter
 * types (a string parameter refuses an int, []string refuses []interface {}); declaring the
 * parameters keeps those errors, and the conversions of literals, the same as Go's.
 */

export type ParamType =
  | 'any' // interface{}
  | 'value' // reflect.Value: builtins that look at the value themselves
  | 'string'
  | 'int'
  | 'float64'
  | 'bool'
  | '[]string'
  | '[]interface {}'
  | 'map[string]interface {}';

export interface GoFunc {
  params: ParamType[];
  /** Element type of a trailing ...T parameter. */
  variadic?: ParamType;
  /** May return a promise: data functions fetch from a server. A thrown Error becomes "error calling NAME: …". */
  fn: (...args: any[]) => unknown;
}

/** A plain JS function in a FuncMap is taken as func(...interface{}) (interface{}, error). */
export type FuncMap = Record<string, GoFunc | ((...args: any[]) => unknown)>;

export function goFunc(params: ParamType[], fn: GoFunc['fn'], variadic?: ParamType): GoFunc {
  return { params, fn, variadic };
}

export function toGoFunc(f: GoFunc | ((...args: any[]) => unknown)): GoFunc {
  return typeof f === 'function' ? { params: [], variadic: 'any', fn: f } : f;
}

export type MissingKey = 'invalid' | 'zero' | 'error';

export class TemplateExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

/** Thrown by a function to abandon the whole execution as is (not wrapped as "error calling …"). */
export class TemplateAbort extends Error {}
