/**
 * Decodes a configuration file (HCL or JSON) into Vault's JSON shape, plus a lookup from a
 * top-level key to its line number so errors can name the line.
 */
import { decodeHCL, lineOf } from '../lib/hcl.js';

export interface Decoded {
  tree: Record<string, unknown>;
  lines: (key: string) => number | undefined;
}

function jsonLines(text: string): (key: string) => number | undefined {
  return (key) => {
    const idx = text.indexOf(`"${key}"`);
    return idx === -1 ? undefined : text.slice(0, idx).split('\n').length;
  };
}

export function decodeConfigText(text: string, file: string): Decoded {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || file.endsWith('.json')) {
    let tree: unknown;
    try {
      tree = JSON.parse(text);
    } catch (e) {
      throw new Error(`invalid JSON: ${(e as Error).message}`);
    }
    if (!tree || typeof tree !== 'object' || Array.isArray(tree)) throw new Error('invalid JSON: expected an object');
    return { tree: tree as Record<string, unknown>, lines: jsonLines(text) };
  }
  const tree = decodeHCL(text, file);
  const lines = (key: string) => lineOf(tree, key)?.line;
  return { tree, lines };
}
