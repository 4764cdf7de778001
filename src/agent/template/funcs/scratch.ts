/** consul-template's scratch pad: a per-render key/value store reached as `scratch.Set "k" v`. */
import { GoStruct, sortedKeys, isMap } from '../values.js';

export class Scratch extends GoStruct {
  readonly goType = 'template.Scratch';
  readonly goFields = [] as const;
  private values: Record<string, unknown> = {};

  override goMethod(name: string): ((...args: unknown[]) => unknown) | undefined {
    const v = this.values;
    switch (name) {
      case 'Key':
        return (k) => Object.prototype.hasOwnProperty.call(v, String(k));
      case 'Get':
        return (k) => v[String(k)] ?? null;
      case 'Set':
        return (k, val) => {
          v[String(k)] = val;
          return '';
        };
      case 'SetX':
        return (k, val) => {
          if (!(String(k) in v)) v[String(k)] = val;
          return '';
        };
      case 'MapSet':
      case 'MapSetX':
        return (k, mk, val) => {
          const key = String(k);
          if (!isMap(v[key])) v[key] = {};
          const m = v[key] as Record<string, unknown>;
          if (name === 'MapSet' || !(String(mk) in m)) m[String(mk)] = val;
          return '';
        };
      case 'MapValues':
        return (k) => {
          const m = v[String(k)];
          if (!isMap(m)) return [];
          return sortedKeys(m).map((x) => m[x]);
        };
    }
    return undefined;
  }
}
