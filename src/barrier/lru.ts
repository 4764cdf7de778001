/**
 * A bounded least-recently-used map. A Map keeps insertion order, so re-inserting on each hit
 * keeps the coldest entry first, where eviction finds it in O(1). Bounded by entry count and
 * by total bytes, so a few huge values cannot hold the memory a cache of small ones would.
 */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; size: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
    /** Called for every value that leaves the cache (the barrier zeroes plaintext here). */
    private readonly dispose: (value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.map.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.bytes -= old.size;
      if (old.value !== value) this.dispose(old.value);
    }
    const size = this.sizeOf(value) + key.length;
    if (this.maxEntries <= 0 || size > this.maxBytes) {
      this.dispose(value);
      return;
    }
    this.map.set(key, { value, size });
    this.bytes += size;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const [coldest, e] = this.map.entries().next().value!;
      this.map.delete(coldest);
      this.bytes -= e.size;
      this.dispose(e.value);
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (e === undefined) return;
    this.map.delete(key);
    this.bytes -= e.size;
    this.dispose(e.value);
  }

  clear(): void {
    for (const e of this.map.values()) this.dispose(e.value);
    this.map.clear();
    this.bytes = 0;
  }
}
