/**
 * JSON from clients, parsed with a nesting limit. Go's encoding/json (Vault) refuses input
 * nested past 10000 levels with "exceeded max depth"; ours is lower because everything that
 * walks a value afterwards (key sorting, audit hashing, JSON.stringify itself) recurses, and a
 * few thousand levels already exhaust the stack, which would be a 500 instead of a 400.
 */
export const MAX_JSON_DEPTH = 500;

/** True when `text` nests objects/arrays deeper than `max` (brackets inside strings do not count). */
export function exceedsJSONDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** JSON.parse that throws a SyntaxError("exceeded max depth") for input nested too deeply. */
export function parseClientJSON(text: string): unknown {
  if (exceedsJSONDepth(text)) throw new SyntaxError('exceeded max depth');
  return JSON.parse(text);
}
