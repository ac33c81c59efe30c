// Composite keys for the memo tables of the read path, interned: the same parts give back the SAME string
// object. A key built per request with a template literal is a new string that V8 flattens and hashes on
// every Map lookup (about 150 to 300 ns for the 40 to 100 characters of an address or document key);
// an interned key is hashed once, and finding it costs one Map probe per part, each part being a string
// that is itself reused (route parameters of a memoized path match, a principal, a repository name).
// bench/findings.md "Warm metadata, round 4" has the measurement. Bounded: emptied when full (the keys
// are rebuilt on the next lookups; a dropped key only costs a new string).

interface Node {
  key?: string;
  next?: Map<string, Node>;
}

export class KeyInterner {
  readonly #max: number;
  #root = new Map<string, Node>();
  #size = 0;

  constructor(maxKeys: number) {
    this.#max = maxKeys;
  }

  /**
   * The key of `parts` (at least one). Distinct part lists give distinct keys: each part is written with
   * its length ("<length>:<part>"), so no separator inside a part can make two lists collide.
   */
  key(...parts: string[]): string {
    let level = this.#root;
    let node: Node | undefined;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      node = level.get(part);
      if (node === undefined) level.set(part, (node = {}));
      if (i < parts.length - 1) level = node.next ??= new Map();
    }
    if (node!.key !== undefined) return node!.key;
    if (this.#size >= this.#max) {
      // Full: start again from an empty table (the nodes just made go with the old one).
      this.#root = new Map();
      this.#size = 0;
      return this.key(...parts);
    }
    this.#size++;
    return (node!.key = textOf(parts));
  }

  /** The text every key of a part list starting with `parts` starts with (for a prefix deletion). */
  static prefixOf(...parts: string[]): string {
    return `${textOf(parts)}|`;
  }

  /** Keys held now. */
  get size(): number {
    return this.#size;
  }
}

/** The text of a key: its parts, each as "<length>:<part>", joined by "|". */
function textOf(parts: readonly string[]): string {
  return parts.map((p) => `${p.length}:${p}`).join('|');
}
