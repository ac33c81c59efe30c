// Wraps any OciStore and counts calls per method, so tests can assert how many upstream requests a
// request cost (cold vs warm listings, HEAD downloads that must not open a blob stream).
import { type OciStore, STORE_METHODS, type StoreMethod } from '../../src/oci/store.js';

export type { StoreMethod };

export interface CountingStore extends OciStore {
  counts: Record<string, number>;
  total(): number;
  reset(): void;
}

export function countingStore(inner: OciStore): CountingStore {
  const counts: Record<string, number> = {};
  const wrapped = {
    describe: inner.describe,
    counts,
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
  } as CountingStore;
  for (const m of STORE_METHODS) {
    (wrapped as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      counts[m] = (counts[m] ?? 0) + 1;
      return (inner[m] as (...a: unknown[]) => unknown).apply(inner, args);
    };
  }
  return wrapped;
}
