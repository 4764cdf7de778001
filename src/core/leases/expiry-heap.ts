/**
 * A binary min-heap of (expiry, lease id): the lease manager's one timer always points at
 * its top, so a hundred thousand leases cost one setTimeout, not a hundred thousand.
 * Entries are never removed from the middle: a renewed or revoked lease leaves a stale
 * entry behind, which the owner recognizes (its expiry no longer matches) and skips when
 * it surfaces. Two parallel arrays keep the per-entry cost to a number and a reference.
 */
export class ExpiryHeap {
  private at: number[] = [];
  private ids: string[] = [];

  get size(): number {
    return this.at.length;
  }

  /** Builds a heap from unordered entries in O(n) (restore after unseal). */
  static from(entries: Iterable<[string, number]>): ExpiryHeap {
    const h = new ExpiryHeap();
    for (const [id, at] of entries) {
      h.ids.push(id);
      h.at.push(at);
    }
    for (let i = (h.at.length >> 1) - 1; i >= 0; i--) h.down(i);
    return h;
  }

  push(id: string, at: number): void {
    this.at.push(at);
    this.ids.push(id);
    this.up(this.at.length - 1);
  }

  /** The earliest expiry, or undefined when empty. */
  peekTime(): number | undefined {
    return this.at[0];
  }

  pop(): { id: string; at: number } | undefined {
    const n = this.at.length;
    if (n === 0) return undefined;
    const top = { id: this.ids[0]!, at: this.at[0]! };
    const lastAt = this.at.pop()!;
    const lastId = this.ids.pop()!;
    if (n > 1) {
      this.at[0] = lastAt;
      this.ids[0] = lastId;
      this.down(0);
    }
    return top;
  }

  clear(): void {
    this.at = [];
    this.ids = [];
  }

  private up(i: number): void {
    const at = this.at[i]!;
    const id = this.ids[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent]! <= at) break;
      this.at[i] = this.at[parent]!;
      this.ids[i] = this.ids[parent]!;
      i = parent;
    }
    this.at[i] = at;
    this.ids[i] = id;
  }

  private down(i: number): void {
    const n = this.at.length;
    const at = this.at[i]!;
    const id = this.ids[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.at[r]! < this.at[l]! ? r : l;
      if (this.at[child]! >= at) break;
      this.at[i] = this.at[child]!;
      this.ids[i] = this.ids[child]!;
      i = child;
    }
    this.at[i] = at;
    this.ids[i] = id;
  }
}
