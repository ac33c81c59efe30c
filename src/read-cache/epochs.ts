// Per-repository change counters. Every memoized read result (result-memo.ts) records the epoch of its
// repository when it was computed and is used only while that epoch is unchanged. An epoch moves when this
// replica learns that a repository changed: its own publish or delete (invalidateRepository), or a
// background revalidation that found a tag moved or gone (tag-revalidator.ts).
//
// Epoch values come from one counter that only grows, so a value is never reused. The table is bounded:
// when it is full it is emptied and the floor (the value of every repository not in the table) is raised
// past every value handed out, which invalidates every memo at once rather than risk a stale match.
export class RepositoryEpochs {
  readonly #max: number;
  readonly #map = new Map<string, number>();
  #counter = 0;
  #floor = 0;

  constructor(maxRepositories = 100_000) {
    this.#max = maxRepositories;
  }

  /** The current epoch of `repository`. */
  get(repository: string): number {
    return this.#map.get(repository) ?? this.#floor;
  }

  /** Marks `repository` changed: results computed before are no longer used. */
  bump(repository: string): void {
    if (this.#map.size >= this.#max && !this.#map.has(repository)) {
      this.#map.clear();
      this.#floor = ++this.#counter;
    }
    this.#map.set(repository, ++this.#counter);
  }
}
