/**
 * Small pure helpers KV needs to answer exactly as Vault does: Go's timestamp format,
 * Go's map ordering in JSON, and RFC 7386 JSON merge patch (Vault's PATCH semantics).
 */

/** Go's RFC3339Nano for a millisecond timestamp: fractional zeros trimmed, "" for none. */
export function goTime(ms: number): string {
  if (!ms) return '';
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.120Z
  // Trims the millisecond digits' trailing zeros (and the dot when none are left), as Go does.
  let end = iso.length - 1;
  while (iso.charCodeAt(end - 1) === 48 /* 0 */ && end > 20) end--;
  if (end === 20) end = 19;
  return iso.slice(0, end) + 'Z';
}

type Plain = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Vault stores secret data as a Go map and json.Marshal sorts map keys at every level,
 * so reads return keys in byte order. Sorting once at write time keeps reads verbatim.
 */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isPlainObject(v)) return v;
  const out: Plain = {};
  for (const k of Object.keys(v).sort(byteOrder)) setOwn(out, k, sortKeysDeep(v[k]));
  return out;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Plain assignment of "__proto__" would swap the prototype and drop the member; JSON input may carry it. */
function setOwn(o: Plain, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** RFC 7386: objects merge recursively, null removes a member, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Plain = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}
