/** Walking asn1js trees: the children of a constructed block, and context-specific tags. */
import * as asn1js from 'asn1js';

export type Block = asn1js.AsnType;

/** The blocks inside a constructed block; none for a primitive one or a missing block. */
export function children(b: Block | undefined): Block[] {
  const v = (b as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock?.value;
  return Array.isArray(v) ? (v as Block[]) : [];
}

/** Whether `b` carries the context-specific tag [n] (explicit or implicit). */
export function isContext(b: Block | undefined, n: number): boolean {
  return !!b && (b as asn1js.BaseBlock).idBlock.tagClass === 3 && (b as asn1js.BaseBlock).idBlock.tagNumber === n;
}
