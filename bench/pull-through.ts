// Pull-through benchmark (docs/mirror.md): the real terraform CLI's first `terraform init` through our
// network mirror with NOTHING stored (pull-through from the upstream, verifying and storing as it goes),
// against the same init straight from the upstream's providers.v1 (the anchor), then the second init
// through the mirror (warm: from the store). One mirror process runs all rounds, as a server does; each
// round installs a version it has never pulled, so every cold init really pulls. The upstream is test/e2e/stack.ts (Distribution +
// our server over HTTPS with a test CA) publishing the Go test provider; goal: cold <= 1.2x the anchor.
// Full mode only (`npm run bench -- --only=pull-through`): it needs terraform, go, gpg, zip, openssl.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildReleases, hostBlock, mainTf, mirrorBlock, NAMESPACE, publishReleases, TYPE } from '../test/e2e/fixtures.js';
import { REGISTRY_HOST, startStack } from '../test/e2e/stack.js';
import { startServerProcess } from '../test/support/server-process.js';
import { findTerraform, terraformWorkspace } from '../test/support/terraform.js';
import { AnchorRuns, measureOurs } from './lib/anchor.js';
import { median } from './lib/stats.js';
import type { Scenario, ScenarioResult } from './scenario.js';

const ADDRESS = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;

export const scenario: Scenario = {
  id: 'pull-through',
  title: 'Pull-through: first `terraform init` through the mirror vs straight from the upstream',
  quick: false,
  async run(ctx): Promise<ScenarioResult> {
    if (findTerraform() === undefined) {
      return { tables: [{ title: 'SKIPPED', columns: ['reason'], rows: [['TF_OCI_TERRAFORM is not set']] }], targets: [], notes: [] };
    }
    const rounds = 9;
    // One version per round plus one for the fresh process: each measured cold init installs a version
    // the running mirror has never pulled.
    const versions = Array.from({ length: rounds + 1 }, (_, i) => `1.0.${i}`);
    const releases = await buildReleases(versions);
    const stack = await startStack();
    const anchors = new AnchorRuns({ log: (m) => ctx.log(`pull-through: ${m}`) });
    const direct: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    let fresh: number | undefined;
    const dataDir = mkdtempSync(join(ctx.tmp, 'pull-'));
    try {
      await publishReleases(stack, releases);
      const env = { SSL_CERT_FILE: stack.tls.caPath };
      const init = async (cliConfig: string, version: string): Promise<number> => {
        const ws = await terraformWorkspace({ cliConfig, files: mainTf(ADDRESS, `= ${version}`), env });
        try {
          const started = performance.now();
          await ws.runOk(['init', '-input=false']);
          return (performance.now() - started) / 1000;
        } finally {
          await ws.cleanup();
        }
      };
      // Everything published before the mirror starts: its upstream listing knows every version.
      const mirror = await startServerProcess({
        ca: stack.tls.ca,
        env: {
          TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
          TF_OCI_REGISTRY_STORAGE_PATH: dataDir,
          TF_OCI_REGISTRY_SERVER_TLS_CERT: stack.tls.certPath,
          TF_OCI_REGISTRY_SERVER_TLS_KEY: stack.tls.keyPath,
          TF_OCI_REGISTRY_SERVER_SECRETS: 'pull-through-bench-secret-0123456789',
          TF_OCI_REGISTRY_MIRROR_UPSTREAM: JSON.stringify([{ hostname: REGISTRY_HOST, url: `${stack.server.url}/` }]),
          NODE_EXTRA_CA_CERTS: stack.tls.caPath,
        },
      });
      try {
        fresh = await init(mirrorBlock(mirror.url), versions[0]!);
        ctx.log(`pull-through: first init of a fresh mirror process ${fresh.toFixed(2)} s`);
        for (let round = 0; round < rounds; round++) {
          const version = versions[round + 1]!;
          const viaUpstream = () =>
            anchors.measure('init from the upstream (providers.v1)', () => init(hostBlock(REGISTRY_HOST, stack.server.url), version));
          // Alternate which goes first: the second finds the upstream's own caches warm for that version.
          let d: number | undefined;
          if (round % 2 === 0) d = await viaUpstream();
          cold.push(await measureOurs('cold init through pull-through', () => init(mirrorBlock(mirror.url), version)));
          if (round % 2 === 1) d = await viaUpstream();
          if (d !== undefined) direct.push(d);
          warm.push(await measureOurs('warm init through the mirror', () => init(mirrorBlock(mirror.url), version)));
          ctx.log(
            `pull-through: round ${round + 1} (${version}): direct ${d?.toFixed(2) ?? 'n/a'} s, cold ${cold.at(-1)!.toFixed(2)} s, warm ${warm.at(-1)!.toFixed(2)} s`,
          );
        }
      } finally {
        await mirror.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await stack.stop();
      await releases.signer.cleanup();
    }
    const d = direct.length > 0 ? median(direct) : undefined;
    const c = median(cold);
    const w = median(warm);
    const x = (v: number) => (d !== undefined ? `${(v / d).toFixed(2)}x` : 'n/a');
    return {
      tables: [
        {
          title: `terraform init of one provider (linux_amd64 package), median of ${rounds} fresh workspaces each`,
          columns: ['path', 'seconds', 'vs straight from the upstream'],
          rows: [
            [
              'anchor: straight from the upstream (providers.v1)',
              anchors.cell('init from the upstream (providers.v1)', d !== undefined ? d.toFixed(2) : ''),
              '1.00x',
            ],
            ['cold: through the mirror, nothing stored (pull-through)', c.toFixed(2), x(c)],
            ['warm: through the mirror, second init (from the store)', w.toFixed(2), x(w)],
            [
              'first init of a freshly started mirror process (once)',
              fresh !== undefined ? fresh.toFixed(2) : '',
              fresh !== undefined ? x(fresh) : '',
            ],
          ],
        },
      ],
      targets: [
        {
          target: 'first init through pull-through <= 1.2x the same init straight from the upstream',
          measured: anchors.measured(['init from the upstream (providers.v1)'], x(c)),
          met: d === undefined ? null : c / d <= 1.2,
        },
      ],
      notes: [
        'Cold: a version the running mirror has never pulled (one new version per round, the mirror process started once, as a server runs); the first init of the freshly started process is reported on its own row (cold JIT, first TLS connections).',
        'Cold: the mirror lists the upstream versions, verifies the release (SHA256SUMS signature), streams the zip to terraform while storing it (sha256 checked before the tag is written), and computes h1.',
        'The concurrency property (8 concurrent first downloads share one upstream transfer) is asserted by test/mirror/pull-through.test.ts, not timed here.',
        ...anchors.notes(),
      ],
    };
  },
};
