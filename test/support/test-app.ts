// Builds the real application (createApp + the real use cases) over a given store, with a controllable
// clock for download tokens and a log sink the tests can search.
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app.js';
import type { OciStore } from '../../src/oci/store.js';
import { createReadCaches } from '../../src/registry/read-caches.js';
import type { RegistryDeps } from '../../src/registry/context.js';
import { createServices } from '../../src/registry/services.js';
import { createSealedTokens } from '../../src/signing/sealed-token.js';
import { normalizeHostname } from '../../src/layout/names.js';

export interface TestAppOptions {
  publicUrl?: string;
  prefix?: string;
  secrets?: string[];
  tagsTtlMs?: number;
  downloadTtl?: number;
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
  const logger = pino({ level: 'debug' }, sink);
  const publicUrl = new URL(opts.publicUrl ?? 'https://registry.example.test/');
  const ttl = opts.tagsTtlMs ?? 10_000;
  const deps: RegistryDeps = {
    store,
    prefix: opts.prefix ?? 'tf',
    publicHostname: normalizeHostname(publicUrl.host),
    ...createReadCaches({
      store,
      logger,
      tagsTtlMs: ttl,
      downloadTtl: opts.downloadTtl ?? 300,
      maxBytes: 32 * 1024 * 1024,
      now: () => clock.now,
      maxTagLists: 1000,
      maxTagDigests: 1000,
    }),
    tokens: createSealedTokens(opts.secrets ?? ['test-secret-0123456789abcdef'], () => clock.now),
    downloadTtl: opts.downloadTtl ?? 300,
    tmpDir: join(tmpdir(), 'tf-oci-registry-test'),
    logger,
  };
  const services = createServices(deps);
  const app = createApp({ services, logger, publicUrl, mirrorBasePath: '/mirror/' });
  return { app, deps, services, clock, logLines, publicUrl };
}

/** Path and query of an absolute URL on the test server (app.request takes paths). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
