// In-process mutual exclusion per key (a version id, a namespace). The publish use cases take it around
// read-check-write sequences on records and around an upload, so two requests reaching THIS replica
// never interleave. Across replicas there is no lock (the OCI registry has no compare-and-swap): the
// remaining window is documented where each lock is taken, and the version tag is re-checked right
// before it is pushed.

export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** True while some holder (or waiter) has `key`. */
  isHeld(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Runs `fn` once every earlier holder of `key` has finished; holders run one at a time, in order. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Runs `fn` holding `key` if nobody holds it; otherwise returns `busy()` without waiting. */
  async tryRun<T>(key: string, fn: () => Promise<T>, busy: () => never): Promise<T> {
    if (this.#tails.has(key)) busy();
    return this.run(key, fn);
  }
}
