// The read-path suite over the local OCI image-layout store (the embedded default).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLayoutStore } from '../../src/oci/layout-store.js';
import { readPathSuite } from './read-path-suite.js';
import { requireTool } from '../support/distribution.js';

readPathSuite(
  'the OCI image-layout store',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tfoci-layout-'));
    return { store: createLayoutStore({ path: dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  requireTool('gpg', 'zip').skip ?? false,
);
