// Prometheus metrics (docs/operations.md#metrics) on a registry of their own (no prom-client default
// registry: no global state): every finished request by method, route template and status with its
// latency; every call to an OCI store by store, operation and outcome with its latency; the content cache
// of each store; downloads and their bytes by provider, version and platform (never the caller); the
// process metrics prom-client collects (CPU, memory, event loop lag, GC).
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { DownloadFacts } from '../core/download-facts.js';
import type { ContentCache } from '../core/lru-cache.js';

/** What a finished request tells the metrics (src/http/pipeline/pipeline.ts hands every request over). */
export interface RequestFacts {
  method: string;
  /** The route template, or undefined when no route answered. */
  route: string | undefined;
  status: number;
  /** Wall time to the answer's start, ms. */
  ms: number;
  download?: DownloadFacts | undefined;
  /** Why the request failed (src/http/error-handler.ts outcomeReason), when it did. */
  outcome?: string | undefined;
}

/** The publish routes whose answers are publish outcomes: what is published, by method and route suffix. */
const PUBLISH_ROUTES: ReadonlyArray<{ method: string; suffix: string; kind: 'provider' | 'module' }> = [
  { method: 'PUT', suffix: '/uploads/:token', kind: 'provider' },
  { method: 'POST', suffix: '/provider-versions/:id/publish', kind: 'provider' },
  { method: 'PUT', suffix: '/modules/:id/versions/:version', kind: 'module' },
];

/** An import of one platform (`tf-oci-registry mirror`, the import API, pull-through): its outcome and why. */
export type ImportOutcomeLabel = 'imported' | 'skipped' | 'failed';

export interface Metrics {
  readonly registry: PromClient.Registry;
  /** A request observer: counts and times every finished request. */
  observe(facts: RequestFacts): void;
  /** Reports the content cache of the store named `store`. */
  watchCache(store: string, cache: ContentCache): void;
  /** Counts one import outcome (src/mirror/import-providers.ts reports each platform). */
  importOutcome(outcome: ImportOutcomeLabel, reason: string): void;
  /** Counts one store call. */
  storeCall(store: string, operation: string, outcome: 'ok' | 'not_found' | 'error', seconds: number): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Buckets of request and store-call latencies, seconds: 1 ms to 30 s (the default request timeout). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** prom-client, required on first use. */
export function loadPromClient(): typeof PromClient {
  return createRequire(import.meta.url)('prom-client') as typeof PromClient;
}

/** The prefix of every metric name (docs/operations.md#metrics). */
export const METRIC_PREFIX = 'tfoci_';

export function createMetrics(opts: { prefix?: string; processMetrics?: boolean } = {}): Metrics {
  const p = opts.prefix ?? METRIC_PREFIX;
  // Loaded here, not at import: a server without [metrics] never pays for prom-client (about 80 ms of CPU
  // at start-up, bench/findings.md "Start-up"). It is CommonJS, so require() keeps this function synchronous.
  const { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } = loadPromClient();
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });
  const requests = new Counter({
    name: `${p}http_requests_total`,
    help: 'Finished HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: 'Time to the start of the answer by method and route template, seconds',
    labelNames: ['method', 'route'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const storeCalls = new Counter({
    name: `${p}store_requests_total`,
    help: 'Calls to an OCI store by store, operation and outcome (ok, not_found, error)',
    labelNames: ['store', 'operation', 'outcome'],
    registers: [registry],
  });
  const storeLatency = new Histogram({
    name: `${p}store_request_duration_seconds`,
    help: 'Latency of calls to an OCI store by store and operation (a blob read: until its stream opens), seconds',
    labelNames: ['store', 'operation'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const downloads = new Counter({
    name: `${p}downloads_total`,
    help: 'Downloads served by kind, subject (provider or module address), version and platform',
    labelNames: ['kind', 'subject', 'version', 'platform'],
    registers: [registry],
  });
  const downloadBytes = new Counter({
    name: `${p}download_bytes_total`,
    help: 'Bytes of the downloads served, by kind, subject, version and platform',
    labelNames: ['kind', 'subject', 'version', 'platform'],
    registers: [registry],
  });
  const publishOutcomes = new Counter({
    name: `${p}publish_outcomes_total`,
    help: 'Publish requests (provider uploads and draft publishes, module uploads) by kind and outcome: ok, verification:<check>, registry_error, refused:<code>',
    labelNames: ['kind', 'reason'],
    registers: [registry],
  });
  const importOutcomes = new Counter({
    name: `${p}import_outcomes_total`,
    help: 'Imported provider platforms (mirror command, import API, pull-through) by outcome (imported, skipped, failed) and reason',
    labelNames: ['outcome', 'reason'],
    registers: [registry],
  });
  const caches = new Map<string, ContentCache>();
  const cacheGauge = (name: string, help: string, read: (c: ContentCache) => number) =>
    new Gauge({
      name: `${p}${name}`,
      help,
      labelNames: ['store'],
      registers: [registry],
      collect() {
        for (const [store, cache] of caches) this.set({ store }, read(cache));
      },
    });
  cacheGauge('content_cache_hits', 'Content cache (manifests, small blobs, computed hashes) hits since start', (c) => c.hits);
  cacheGauge('content_cache_misses', 'Content cache misses since start', (c) => c.misses);
  cacheGauge('content_cache_bytes', 'Approximate bytes held by the content cache', (c) => c.usedBytes);

  return {
    registry,
    observe(f) {
      const route = f.route ?? '(none)';
      requests.inc({ method: f.method, route, status: String(f.status) });
      latency.observe({ method: f.method, route }, f.ms / 1000);
      const publish = f.route === undefined ? undefined : PUBLISH_ROUTES.find((r) => r.method === f.method && f.route!.endsWith(r.suffix));
      if (publish) publishOutcomes.inc({ kind: publish.kind, reason: f.status < 400 ? 'ok' : (f.outcome ?? `refused:http_${f.status}`) });
      if (f.download && f.status < 400) {
        const labels = { kind: f.download.kind, subject: f.download.subject, version: f.download.version, platform: f.download.platform };
        downloads.inc(labels);
        downloadBytes.inc(labels, f.download.bytes);
      }
    },
    importOutcome(outcome, reason) {
      importOutcomes.inc({ outcome, reason });
    },
    watchCache(store, cache) {
      caches.set(store, cache);
    },
    storeCall(store, operation, outcome, seconds) {
      storeCalls.inc({ store, operation, outcome });
      storeLatency.observe({ store, operation }, seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
