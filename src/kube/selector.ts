/**
 * Kubernetes label selectors: the string form of `?labelSelector=` (`a=b,c!=d,e in (x,y),!f`) and the
 * object form of a LabelSelector (`matchLabels` + `matchExpressions`), with the API server's semantics
 * (a `!=`/`notin` requirement also matches objects that lack the key).
 */

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement { key: string; operator: Operator; values: string[] }

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export type Labels = Record<string, string> | undefined | null;

export function matches(requirements: Requirement[], labels: Labels): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key]! : undefined;
    switch (r.operator) {
      case 'In': return has && r.values.includes(v!);
      case 'NotIn': return !has || !r.values.includes(v!);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      case 'Gt': return has && /^-?\d+$/.test(v!) && Number(v) > Number(r.values[0]);
      case 'Lt': return has && /^-?\d+$/.test(v!) && Number(v) < Number(r.values[0]);
    }
  });
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export class SelectorError extends Error {}

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 317) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (value.length > 63 || !VALUE.test(value)) throw new SelectorError(`invalid label value: "${value}"`);
  return value;
}

/** Splits on commas that are not inside a `( … )` set. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim());
}

/** Parses the string form. An empty selector selects everything. */
export function parseSelector(text: string): Requirement[] {
  const src = text.trim();
  if (!src) return [];
  return splitTopLevel(src).map((part) => {
    if (!part) throw new SelectorError(`found '', expected: identifier`);
    let m = /^!\s*(\S+)$/.exec(part);
    if (m) return { key: checkKey(m[1]!), operator: 'DoesNotExist', values: [] };
    m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
      return { key: checkKey(m[1]!), operator: m[2] === 'in' ? 'In' : 'NotIn', values };
    }
    m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(part);
    if (m) {
      const op = m[2]!;
      if (op === '>' || op === '<') {
        if (!/^-?\d+$/.test(m[3]!)) throw new SelectorError(`for 'Gt', 'Lt' operators, the value must be an integer`);
        return { key: checkKey(m[1]!), operator: op === '>' ? 'Gt' : 'Lt', values: [m[3]!] };
      }
      return { key: checkKey(m[1]!), operator: op === '!=' ? 'NotIn' : 'In', values: [checkValue(m[3]!)] };
    }
    if (/^\S+$/.test(part)) return { key: checkKey(part), operator: 'Exists', values: [] };
    throw new SelectorError(`unable to parse requirement: "${part}"`);
  });
}

/** Converts a LabelSelector object; throws SelectorError naming what is wrong. */
export function fromLabelSelector(sel: LabelSelector): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    reqs.push({ key: checkKey(k), operator: 'In', values: [checkValue(String(v))] });
  }
  for (const e of sel.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': case 'NotIn':
        if (values.length === 0) throw new SelectorError(`values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
        break;
      case 'Exists': case 'DoesNotExist':
        if (values.length > 0) throw new SelectorError(`values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
        break;
      default:
        throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    }
    reqs.push({ key: checkKey(e.key), operator: e.operator as Operator, values: values.map(String) });
  }
  return reqs;
}

export const selectorMatches = (sel: LabelSelector, labels: Labels) => matches(fromLabelSelector(sel), labels);
