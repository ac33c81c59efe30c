// EXPERIMENT (evidence for bench/findings.md; not part of `npm run bench`): what a WARM use-case call
// costs once results are memoized (src/registry/memoized.ts), without HTTP: the four metadata use cases
// over a memory store holding one signed release, each called in a hot loop after a warm-up.
// Needs gpg and zip (the fixture is a real signed release). Run: node --import tsx bench/experiments/warm-use-cases.ts
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import type { Caller } from '../../src/core/caller.js';
import { createTestSigner } from '../../test/support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../../test/support/provider-fixture.js';
import { buildTestApp } from '../../test/support/test-app.js';

const HOST = 'registry.example.test';

async function main(): Promise<void> {
  const store = createMemoryStore();
  const signer = await createTestSigner();
  try {
    const rel = await makeFixtureRelease({ type: 'widget', version: '1.0.0', platforms: [{ os: 'linux', arch: 'amd64' }], signer });
    await pushRelease(store, providerRepository('tf', HOST, 'acme', 'widget'), rel);
    // Long TTLs: the loop measures the memoized path only.
    const { services } = buildTestApp(store, { tagsTtlMs: 3_600_000, downloadTtl: 3600 });
    const caller: Caller = { principal: 'anonymous', credential: {} };
    const cases: Array<[string, () => unknown]> = [
      ['providers.v1 versions', () => services.listProviderVersions('acme', 'widget', caller)],
      [
        'providers.v1 download',
        () => services.findProviderPackage({ namespace: 'acme', type: 'widget', version: '1.0.0', os: 'linux', arch: 'amd64' }, caller),
      ],
      ['mirror index.json', () => services.mirrorIndex(HOST, 'acme', 'widget', caller)],
      [
        'mirror <version>.json',
        () => services.mirrorVersion({ hostname: HOST, namespace: 'acme', type: 'widget', version: '1.0.0' }, caller),
      ],
    ];
    process.stdout.write('| use case (warm) | cost per call |\n|---|---|\n');
    for (const [name, fn] of cases) {
      for (let i = 0; i < 20_000; i++) await fn();
      const n = 300_000;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      process.stdout.write(`| ${name} | ${(((performance.now() - t0) * 1000) / n).toFixed(2)} µs |\n`);
    }
  } finally {
    await signer.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
