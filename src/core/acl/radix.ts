/**
 * A compressed prefix tree over strings: exact get, longest stored prefix of a key, every stored
 * prefix of a key, and every stored key under a prefix. Policy prefixes (`secret/data/app-*`)
 * end mid-segment, so this works on characters, not path segments; a lookup costs one step per
 * branching point on the way down, not one per character or per rule.
 */
interface Node<T> {
  label: string;
  has: boolean;
  value: T | undefined;
  children: Map<number, Node<T>> | undefined;
}

const node = <T>(label: string): Node<T> => ({ label, has: false, value: undefined, children: undefined });

export class RadixTree<T> {
  private readonly root: Node<T> = node('');
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(key: string, value: T): void {
    let n = this.root;
    let i = 0;
    for (;;) {
      if (i === key.length) {
        if (!n.has) this.count++;
        n.has = true;
        n.value = value;
        return;
      }
      const c = key.charCodeAt(i);
      const child = n.children?.get(c);
      if (!child) {
        const leaf = node<T>(key.slice(i));
        leaf.has = true;
        leaf.value = value;
        (n.children ??= new Map()).set(c, leaf);
        this.count++;
        return;
      }
      const label = child.label;
      let j = 0;
      while (j < label.length && i + j < key.length && label.charCodeAt(j) === key.charCodeAt(i + j)) j++;
      if (j < label.length) {
        // The new key diverges inside this edge: split it.
        const mid = node<T>(label.slice(0, j));
        child.label = label.slice(j);
        mid.children = new Map([[child.label.charCodeAt(0), child]]);
        n.children!.set(c, mid);
        n = mid;
      } else n = child;
      i += j;
    }
  }

  get(key: string): T | undefined {
    let n = this.root;
    let i = 0;
    while (i < key.length) {
      const child = n.children?.get(key.charCodeAt(i));
      if (!child || !key.startsWith(child.label, i)) return undefined;
      n = child;
      i += child.label.length;
    }
    return n.has ? n.value : undefined;
  }

  /** The longest stored key that `key` starts with, as its length and value. */
  longestPrefix(key: string): { length: number; value: T } | undefined {
    let n = this.root;
    let i = 0;
    let best: Node<T> | undefined = n.has ? n : undefined;
    let bestLen = 0;
    while (i < key.length) {
      const child = n.children?.get(key.charCodeAt(i));
      if (!child || !key.startsWith(child.label, i)) break;
      n = child;
      i += child.label.length;
      if (n.has) {
        best = n;
        bestLen = i;
      }
    }
    return best ? { length: bestLen, value: best.value as T } : undefined;
  }

  /** Calls `fn` for every stored key that is a prefix of `key`, shortest first. */
  eachPrefixOf(key: string, fn: (length: number, value: T) => void): void {
    let n = this.root;
    let i = 0;
    if (n.has) fn(0, n.value as T);
    while (i < key.length) {
      const child = n.children?.get(key.charCodeAt(i));
      if (!child || !key.startsWith(child.label, i)) return;
      n = child;
      i += child.label.length;
      if (n.has) fn(i, n.value as T);
    }
  }

  /** Calls `fn` for every stored key starting with `prefix`; stops early when `fn` returns true. */
  someUnder(prefix: string, fn: (key: string, value: T) => boolean): boolean {
    let n = this.root;
    let i = 0;
    let acc = '';
    while (i < prefix.length) {
      const child = n.children?.get(prefix.charCodeAt(i));
      if (!child) return false;
      const rest = prefix.length - i;
      if (child.label.length <= rest) {
        if (!prefix.startsWith(child.label, i)) return false;
      } else if (!child.label.startsWith(prefix.slice(i))) return false;
      n = child;
      acc += child.label;
      i += child.label.length;
    }
    const visit = (x: Node<T>, key: string): boolean => {
      if (x.has && fn(key, x.value as T)) return true;
      if (x.children) for (const c of x.children.values()) if (visit(c, key + c.label)) return true;
      return false;
    };
    return visit(n, acc);
  }
}
