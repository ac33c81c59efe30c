// Shared settings of the property tests (fast-check, https://fast-check.dev): how many runs, from
// PROPERTY_RUNS (default 300), and a seed from PROPERTY_SEED so a failure can be replayed exactly.
import fc from 'fast-check';

export const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 300);

/** fc.assert with the shared run count and seed (fast-check prints the seed and counterexample on failure). */
export function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>, runs = RUNS) {
  const seed = process.env['PROPERTY_SEED'];
  return fc.assert(property as fc.IProperty<Ts>, { numRuns: runs, ...(seed ? { seed: Number(seed) } : {}) });
}

/** Strings a user could type, with the characters that break parsers over-represented. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom(...'.:/_+-@%\\ \t\n\r"=,;0aZ9'), maxLength: 30 }),
);
