// EXPERIMENT (evidence for bench/findings.md; not part of `npm run bench`): is a cold 1,000-version
// listing bound by round trips or by the registry's CPU? A bare client GETs tags/list and every tag's
// manifest at 4 to 64 in flight (fresh connection pool each time), and the registry's CPU time is read
// from /proc. Run: node --import tsx bench/experiments/registry-concurrency.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { mapLimit } from '../../src/core/map-limit.js';
import { createBenchSigner, pushProviderVersions, pushSharedTinyZips, THREE_PLATFORMS, versionList } from '../lib/fixtures.js';
import { procCpuMs, runMain, stopAll } from '../lib/processes.js';
import { startBenchRegistry } from '../lib/registry.js';
import { median } from '../lib/stats.js';

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-conc-'));
  try {
    const registry = await startBenchRegistry(join(tmp, 'registry'));
    const store = createRegistryStore({
      url: registry.url,
      plainHttp: true,
      userAgent: 'tf-oci-bench-push',
      dispatcher: new Agent({ connections: 32 }),
    });
    const repository = 'providers/example.test/acme/scale';
    const zips = await pushSharedTinyZips(store, repository, 'scale', THREE_PLATFORMS);
    await pushProviderVersions(store, await createBenchSigner(), {
      repository,
      type: 'scale',
      versions: versionList(1000),
      platforms: THREE_PLATFORMS,
      zips,
    });
    process.stdout.write('| in flight | listing time (median of 3) | registry CPU |\n|---|---|---|\n');
    for (const concurrency of [4, 8, 16, 32, 64]) {
      const times: number[] = [];
      const cpu: number[] = [];
      for (let k = 0; k < 3; k++) {
        const dispatcher = new Agent({ connections: 64 });
        const c0 = procCpuMs(registry.pid);
        const t0 = performance.now();
        const res = await request(`${registry.url}/v2/${repository}/tags/list`, { dispatcher });
        const tags = ((await res.body.json()) as { tags: string[] }).tags;
        await mapLimit(tags, concurrency, async (tag) => {
          const r = await request(`${registry.url}/v2/${repository}/manifests/${tag}`, {
            dispatcher,
            headers: { accept: 'application/vnd.oci.image.index.v1+json' },
          });
          await r.body.arrayBuffer();
        });
        times.push(performance.now() - t0);
        cpu.push(procCpuMs(registry.pid) - c0);
        await dispatcher.close();
      }
      process.stdout.write(`| ${concurrency} | ${median(times).toFixed(0)} ms | ${median(cpu).toFixed(0)} ms |\n`);
    }
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
