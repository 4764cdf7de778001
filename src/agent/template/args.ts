/**
 * Go's validateType for function arguments: is a value assignable to the parameter's type?
 * Go refuses what its type system refuses (json.Number is not a string, []interface {} is not
 * []string), and these messages are Go's.
 */
import type { ParamType } from './types.js';
import { GoFloat, isMap, isStringSlice, kindOf, typeName } from './values.js';

export function assignArg(value: unknown, typ: ParamType | undefined): { value: unknown } | { error: string } {
  if (value === undefined) {
    // Go 1.19 hands builtins (reflect.Value parameters) the invalid value itself.
    if (typ === undefined || typ === 'value') return { value: undefined };
    if (typ === 'any') return { value: null };
    if (typ.startsWith('[]')) return { value: [] };
    if (typ.startsWith('map')) return { value: {} };
    return { error: `invalid value; expected ${typ}` };
  }
  if (typ === undefined || typ === 'any' || typ === 'value') return { value };
  const k = kindOf(value);
  let ok: boolean;
  switch (typ) {
    case 'string':
      ok = typeof value === 'string';
      break;
    case 'int':
      ok = k === 'int';
      break;
    case 'float64':
      ok = k === 'float';
      break;
    case 'bool':
      ok = k === 'bool';
      break;
    case '[]string':
      ok = isStringSlice(value);
      break;
    case '[]interface {}':
      ok = Array.isArray(value) && !isStringSlice(value);
      break;
    case 'map[string]interface {}':
      ok = isMap(value);
      break;
  }
  if (!ok) return { error: `wrong type for value; expected ${typ}; got ${value === null ? 'interface {}' : typeName(value)}` };
  return { value: typ === 'float64' && value instanceof GoFloat ? value.value : value };
}
