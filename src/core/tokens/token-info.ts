/** The view of a token a Backend gets on its Request, and the bound-CIDR check. */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { TokenInfo } from '../../framework/types.js';
import { permissionDenied } from '../../lib/errors.js';
import type { TokenEntry } from './token-entry.js';

export function toTokenInfo(t: TokenEntry): TokenInfo {
  return {
    id: t.id, accessor: t.accessor, policies: t.policies, path: t.path, meta: t.meta, displayName: t.display_name,
    entityId: t.entity_id, type: t.type, ttl: t.ttl, creationTime: t.creation_time, parent: t.parent || undefined,
    numUses: t.num_uses, orphan: t.parent === '',
  };
}

const cidrCache = new Map<string, BlockList>();

function blockList(cidrs: string[]): BlockList {
  const key = cidrs.join(',');
  let bl = cidrCache.get(key);
  if (!bl) {
    bl = new BlockList();
    for (const c of cidrs) {
      const [addr, bits] = c.split('/');
      const type = isIPv6(addr!) ? 'ipv6' : 'ipv4';
      if (bits === undefined) bl.addAddress(addr!, type);
      else bl.addSubnet(addr!, Number(bits), type);
    }
    cidrCache.set(key, bl);
  }
  return bl;
}

export function cidrAllows(cidrs: string[], remote: string): boolean {
  if (!cidrs.length) return true;
  const addr = remote.startsWith('::ffff:') && isIPv4(remote.slice(7)) ? remote.slice(7) : remote;
  const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
  return blockList(cidrs).check(addr, type);
}

/** "1.2.3.4/8" → its address and prefix length; a bare address is a /32 (or /128). */
function splitCIDR(c: string): { addr: string; bits: number; v6: boolean } | undefined {
  const [addr = '', bitsText] = c.trim().split('/');
  const v6 = isIPv6(addr);
  if (!v6 && !isIPv4(addr)) return undefined;
  const max = v6 ? 128 : 32;
  const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  return bits >= 0 && bits <= max ? { addr, bits, v6 } : undefined;
}

export const isCIDR = (c: string): boolean => splitCIDR(c) !== undefined;

/**
 * Every block of `inner` lies inside one block of `outer` (Vault's cidrutil.SubsetBlocks). A
 * block with a prefix at least as long as the outer one's is inside it when any of its
 * addresses is: both are aligned on their prefix length.
 */
export function cidrSubset(outer: string[], inner: string[]): boolean {
  return inner.every((i) => {
    const a = splitCIDR(i);
    return !!a && outer.some((o) => {
      const b = splitCIDR(o);
      return !!b && a.v6 === b.v6 && a.bits >= b.bits && blockList([o]).check(a.addr, a.v6 ? 'ipv6' : 'ipv4');
    });
  });
}

export function checkBoundCIDRs(t: TokenEntry, remote: string): void {
  if (t.bound_cidrs.length && !cidrAllows(t.bound_cidrs, remote)) throw permissionDenied();
}
