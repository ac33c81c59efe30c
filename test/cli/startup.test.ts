// Start-up (docs/operations.md#start-up-time, bench/findings.md "Start-up"): code that only some requests
// need is not loaded before the first of them (prom-client with metrics off, undici on a layout store
// without upstreams, tar/zip libraries before an upload), and is loaded when the configuration
// needs it; the "started" line carries the start-up phases, in order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from '../support/server-process.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const LAZY = ['undici', 'prom-client', 'tar-stream', 'yauzl', 'yazl'] as const;

/** Builds the whole application (the one wiring) in a fresh process; returns which LAZY packages it loaded. */
function packagesLoadedBy(env: Record<string, string>): string[] {
  // CommonJS packages imported from ES modules land in require.cache too (all of LAZY are CommonJS; openpgp,
  // an ES module, is not visible there: its lazy import is src/verify/gpg.ts's).
  const script = `
    import { createRequire } from 'node:module';
    import { loadCommandConfig } from './src/cli/config-file.ts';
    import { createLogger, createServerApp, createStore } from './src/wiring/server-app.ts';
    const config = loadCommandConfig(undefined, process.env);
    const logger = createLogger('silent');
    createServerApp(config, logger, createStore(config, logger));
    const files = Object.keys(createRequire(import.meta.url).cache);
    const names = ${JSON.stringify(LAZY)};
    const loaded = names.filter((n) => files.some((f) => f.includes('/node_modules/' + n + '/')));
    process.stdout.write(JSON.stringify(loaded));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      TF_OCI_REGISTRY_SERVER_SECRETS: 'startup-test-secret-0123456789abcdef0123',
      ...env,
    },
  });
  return JSON.parse(out) as string[];
}

describe('start-up: what is loaded before the first request', () => {
  it('a layout store with metrics off loads no HTTP client, metrics or archive code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-oci-startup-'));
    try {
      assert.deepEqual(packagesLoadedBy({ TF_OCI_REGISTRY_STORAGE_KIND: 'layout', TF_OCI_REGISTRY_STORAGE_PATH: dir }), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('metrics on loads prom-client; a registry store loads undici (its connection pools)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-oci-startup-'));
    try {
      const withMetrics = packagesLoadedBy({
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: dir,
        TF_OCI_REGISTRY_METRICS_ENABLED: 'true',
      });
      assert.deepEqual(withMetrics, ['prom-client']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const registry = packagesLoadedBy({
      TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
      TF_OCI_REGISTRY_STORAGE_URL: 'http://127.0.0.1:9',
      TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
    });
    assert.deepEqual(registry, ['undici']);
  });
});

describe('start-up: the started line', () => {
  it('carries the start-up phases, ms since the process started, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-oci-startup-'));
    const server = await startServerProcess({
      https: false,
      env: { TF_OCI_REGISTRY_STORAGE_KIND: 'layout', TF_OCI_REGISTRY_STORAGE_PATH: dir },
    });
    try {
      const line = server.logs
        .join('')
        .split('\n')
        .find((l) => l.includes('"msg":"started"'));
      assert.ok(line, `no started line in:\n${server.logs.join('')}`);
      const startup = (JSON.parse(line) as { startup?: Record<string, number> }).startup;
      assert.ok(startup, `no startup field in ${line}`);
      assert.deepEqual(Object.keys(startup), ['cli', 'code', 'config', 'trim', 'store', 'app', 'listening']);
      const values = Object.values(startup);
      assert.ok(
        values.every((v, i) => Number.isInteger(v) && v > 0 && (i === 0 || v >= values[i - 1]!)),
        `phases not increasing: ${JSON.stringify(startup)}`,
      );
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
