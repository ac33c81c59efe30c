// EXPERIMENT (evidence for bench/findings.md; not part of `npm run bench`): the CPU our own code spends on
// one warm hot-lane request, node:http left out. The real application (createServerApp, default
// configuration: access log at info, usage on) over a memory store holding three signed releases; its Node
// entry (the pipeline's node front) is called with a minimal request and response object, 64 requests per
// event-loop turn as under load, so the log destination writes once per turn. The access log goes to
// standard output, as `serve` writes it: send it to a file.
// Needs gpg and zip (the fixture is a real signed release).
// Run: node --import tsx bench/experiments/hot-request.ts index > /tmp/hot-request.log
//      (index, versions, download or version; N=300000 REPS=5 by default)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { loadConfig } from '../../src/config/load.js';
import { providerRepository } from '../../src/layout/names.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { createLogger, createServerApp } from '../../src/wiring/server-app.js';
import { createTestSigner } from '../../test/support/gpg-signer.js';
import { makeFixtureRelease, pushRelease } from '../../test/support/provider-fixture.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const config = loadConfig({
    env: { TF_OCI_REGISTRY_SERVER_PUBLIC_URL: 'http://127.0.0.1:5000/', TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf' },
    readFile: () => '',
    randomSecret: () => 'x'.repeat(32),
  });
  const host = config.server.registryHostname;
  const store = createMemoryStore();
  const signer = await createTestSigner();
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
    const platforms = [
      { os: 'linux', arch: 'amd64' },
      { os: 'darwin', arch: 'arm64' },
    ];
    await pushRelease(
      store,
      providerRepository('tf', host, 'acme', 'widget'),
      await makeFixtureRelease({ type: 'widget', version, platforms, signer }),
    );
  }
  const built = createServerApp(config, createLogger(config.log.level), store);
  const front = built.nodeFront(getRequestListener(built.app.fetch));
  const paths: Record<string, string> = {
    index: `/mirror/${host}/acme/widget/index.json`,
    versions: '/v1/providers/acme/widget/versions',
    download: '/v1/providers/acme/widget/1.2.0/download/linux/amd64',
    version: `/mirror/${host}/acme/widget/1.2.0.json`,
  };
  const path = paths[process.argv[2] ?? 'index'];
  if (path === undefined) throw new Error(`unknown document ${process.argv[2]}: one of ${Object.keys(paths).join(', ')}`);
  const headers = { host: '127.0.0.1:5000', 'user-agent': 'Terraform/1.8.5' };
  let status = 0;
  let body: unknown;
  const once = (): void => {
    const res = {
      destroyed: false,
      headersSent: false,
      writableFinished: true,
      writeHead(s: number) {
        status = s;
        return res;
      },
      end(b: unknown) {
        body = b;
      },
      once() {
        return res;
      },
    };
    front({ method: 'GET', url: path, headers } as unknown as IncomingMessage, res as unknown as ServerResponse);
  };
  // Warm: the memo tables fill, the JIT compiles.
  for (let i = 0; i < 50; i++) {
    once();
    await new Promise((ok) => setTimeout(ok, 5));
  }
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${String(body)}`);
  say(`GET ${path}: ${status}, ${String(body).length} bytes`);
  const n = Number(process.env.N ?? 300_000);
  for (let rep = 0; rep < Number(process.env.REPS ?? 5); rep++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i += 64) {
      for (let j = 0; j < 64; j++) once();
      await new Promise((ok) => setImmediate(ok));
    }
    const c = process.cpuUsage(t0);
    say(`${((c.user + c.system) / n).toFixed(2)} CPU µs/request (system ${(c.system / n).toFixed(2)})`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    say(String((err as Error).stack ?? err));
    process.exit(1);
  },
);
