// The benchmark's rule for a window the shared machine disturbed (bench/lib/stats.ts disturbedIndex, used by
// the warm metadata scenario to measure such a window again): the costliest anchor figure above a factor of
// the median, never an anchor that did not run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disturbedIndex } from '../../bench/lib/stats.js';

test('a window whose anchor needed far more CPU than the others is picked', () => {
  // The full run of 2026-12-06 03:43 UTC: nginx at 39 µs/req on versions, 29-31 on the other three.
  assert.equal(disturbedIndex([39, 30, 29, 31], 1.25), 0);
  // Two disturbed: the costliest first.
  assert.equal(disturbedIndex([39, 30, 45, 29], 1.25), 2);
});

test('ordinary spread is left alone', () => {
  assert.equal(disturbedIndex([25, 23, 26, 27], 1.25), undefined);
  assert.equal(disturbedIndex([30, 30, 30, 37], 1.25), undefined);
});

test('an anchor that did not run is neither picked nor counted', () => {
  assert.equal(disturbedIndex([Number.POSITIVE_INFINITY, 30, 29, 31], 1.25), undefined);
  assert.equal(disturbedIndex([Number.POSITIVE_INFINITY, 30, 29, 45], 1.25), 3);
  assert.equal(disturbedIndex([Number.POSITIVE_INFINITY, 30], 1.25), undefined);
  assert.equal(disturbedIndex([], 1.25), undefined);
});
