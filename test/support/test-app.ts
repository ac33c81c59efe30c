// The real application for tests, built by the one wiring (src/wiring/server-app.ts) from a Config over a
// given store, with a controllable clock for download tokens and records, and a log sink the tests can
// search. Every feature is mounted, as `serve` mounts it.
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import type { OciStore } from '../../src/oci/store.js';
import type { ModuleLimits } from '../../src/modules/types.js';
import type { PublishLimits } from '../../src/publishing/types.js';
import { createLogger, createServerApp } from '../../src/wiring/server-app.js';

export interface TestAppOptions {
  publicUrl?: string;
  /** Registry hostname of provider and module addresses; default the publicUrl's host. */
  registryHostname?: string;
  prefix?: string;
  secrets?: string[];
  tagsTtlMs?: number;
  downloadTtl?: number;
  /** Publishing limits (and upload URL lifetime) over the defaults. */
  limits?: Partial<PublishLimits>;
  uploadTtl?: number;
  /** Upload lease, seconds (docs/fault-tolerance.md). */
  uploadLease?: number;
  /** Claim settle time, ms (default 0 here: one process). */
  claimSettleMs?: number;
  moduleLimits?: Partial<ModuleLimits>;
  /** Temp directory of the use cases (tests check it is left empty). */
  tmpDir?: string;
  /** Pull-through upstreams ([[mirror.upstream]]), already typed. */
  upstreams?: Config['mirror']['upstreams'];
  upstreamTtlSeconds?: number;
  /** Outbound proxies (as HTTPS_PROXY / NO_PROXY would give them). */
  proxy?: Config['proxy'];
}

/** The Config `serve` would run with for these options (layout store kind; the store itself is given). */
export function testConfig(opts: TestAppOptions = {}): Config {
  const publicUrl = new URL(opts.publicUrl ?? 'https://registry.example.test/');
  const env: Record<string, string> = {
    TF_OCI_REGISTRY_SERVER_PUBLIC_URL: publicUrl.href,
    TF_OCI_REGISTRY_SERVER_SECRETS: (opts.secrets ?? ['test-secret-0123456789abcdef']).join(','),
    TF_OCI_REGISTRY_STORAGE_PREFIX: opts.prefix ?? 'tf',
    TF_OCI_REGISTRY_LOG_LEVEL: 'debug',
    TF_OCI_REGISTRY_CACHE_MAX_BYTES: String(32 * 1024 * 1024),
  };
  if (opts.registryHostname) env.TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME = opts.registryHostname;
  if (opts.downloadTtl !== undefined) env.TF_OCI_REGISTRY_SERVER_DOWNLOAD_URL_TTL = String(opts.downloadTtl);
  const config = loadConfig({ env, readFile: () => '', randomSecret: () => 'unused' });
  return {
    ...config,
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
    cache: { ...config.cache, tagsTtl: (opts.tagsTtlMs ?? 10_000) / 1000 },
    publish: {
      ...config.publish,
      // One process: claims need no settle time (test/faults/ sets it where replicas race).
      claimSettleMs: opts.claimSettleMs ?? 0,
      ...opts.limits,
      ...(opts.uploadTtl !== undefined ? { uploadUrlTtl: opts.uploadTtl } : {}),
      ...(opts.uploadLease !== undefined ? { uploadLease: opts.uploadLease } : {}),
    },
    modules: { ...config.modules, ...opts.moduleLimits },
    mirror: {
      ...config.mirror,
      ...(opts.upstreams ? { upstreams: opts.upstreams } : {}),
      ...(opts.upstreamTtlSeconds !== undefined ? { upstreamTtl: opts.upstreamTtlSeconds } : {}),
    },
  };
}

export function buildTestApp(store: OciStore, opts: TestAppOptions = {}) {
  const clock = { now: Date.now() };
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  const config = testConfig(opts);
  const logger = createLogger(config.log.level, sink);
  const built = createServerApp(config, logger, store, {
    now: () => clock.now,
    tmpDir: opts.tmpDir ?? join(tmpdir(), 'tf-oci-registry-test'),
  });
  return { ...built, deps: built.shared, config, clock, logLines, publicUrl: config.server.publicUrl };
}

/** Path and query of an absolute URL on the test server (app.request takes paths). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
