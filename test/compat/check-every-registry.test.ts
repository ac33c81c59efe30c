// `tf-oci-registry check` (docs/operations.md#check) against every registry implementation the suites
// start (docs/registries.md): Distribution 2.8, Distribution v3 and crane's registry. None may fail a
// check; the differences docs/registries.md records show as warnings with their hint (crane keeps a tag
// after its manifest is deleted, and cuts tag lists without a Link header), and nowhere else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startDistribution } from '../support/distribution.js';
import { REGISTRY_IMPLEMENTATIONS, requireRegistry } from '../support/registry-implementations.js';
import { runStoreCheckOn } from '../check/support.js';

/** Checks that warn on an implementation (every other check must be ok or skip). */
const EXPECTED_WARNINGS: Record<(typeof REGISTRY_IMPLEMENTATIONS)[number], string[]> = {
  // No credential configured: "auth" says the registry accepts anonymous writes.
  'distribution-2.8': ['auth'],
  'distribution-3': ['auth'],
  crane: ['auth', 'tag-pagination', 'delete'],
};

for (const implementation of REGISTRY_IMPLEMENTATIONS) {
  describe(`check on ${implementation}`, requireRegistry([], implementation), () => {
    it('fails no check, and warns exactly where the registry departs from the spec', async () => {
      const reg = await startDistribution({ implementation });
      try {
        const report = await runStoreCheckOn({ url: reg.url, prefix: 'tf-check' });
        const lines = report.results.map((r) => `${r.name}=${r.status}: ${r.message}`).join('\n');
        assert.deepEqual(
          report.results.filter((r) => r.status === 'fail').map((r) => r.name),
          [],
          lines,
        );
        assert.deepEqual(
          report.results.filter((r) => r.status === 'warn').map((r) => r.name),
          EXPECTED_WARNINGS[implementation],
          lines,
        );
        for (const r of report.results.filter((x) => x.status === 'warn')) assert.ok(r.hint, `${r.name} warns without a fix hint`);
      } finally {
        await reg.stop();
      }
    });
  });
}
