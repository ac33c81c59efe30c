// The read-path suite over the in-memory store (fast; no external process).
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { readPathSuite } from './read-path-suite.js';
import { requireTool } from '../support/distribution.js';

readPathSuite(
  'the memory store',
  async () => ({ store: createMemoryStore(), cleanup: async () => {} }),
  requireTool('gpg', 'zip').skip ?? false,
);
