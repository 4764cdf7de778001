/**
 * JSONx (IBM's XML rendering of JSON, what Vault's `format=jsonx` writes): every value
 * becomes a json:object, json:array, json:string, json:number, json:boolean or json:null
 * element; members carry their key in a `name` attribute.
 */
const HEADER = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = 'xsi:schemaLocation="http://www.datapower.com/schemas/json jsonx.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:json="http://www.ibm.com/xmlns/prod/2009/jsonx"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    // Characters XML 1.0 cannot carry at all are written as their JSON escape.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function element(value: unknown, name: string | undefined, root: boolean): string {
  const attrs = [root ? NS : '', name === undefined ? '' : `name="${esc(name)}"`].filter(Boolean).join(' ');
  const open = (tag: string) => `<json:${tag}${attrs ? ' ' + attrs : ''}>`;
  if (value === null || value === undefined) return `<json:null${attrs ? ' ' + attrs : ''}/>`;
  if (typeof value === 'string') return `${open('string')}${esc(value)}</json:string>`;
  if (typeof value === 'number') return `${open('number')}${Number.isFinite(value) ? String(value) : '0'}</json:number>`;
  if (typeof value === 'boolean') return `${open('boolean')}${value}</json:boolean>`;
  if (Array.isArray(value)) return `${open('array')}${value.map((v) => element(v, undefined, false)).join('')}</json:array>`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `${open('object')}${members.map(([k, v]) => element(v, k, false)).join('')}</json:object>`;
  }
  return `${open('string')}${esc(String(value))}</json:string>`;
}

/** The JSONx document for a JSON-compatible value, on one line. */
export function toJSONx(value: unknown): string {
  return HEADER + element(JSON.parse(JSON.stringify(value)), undefined, true);
}
