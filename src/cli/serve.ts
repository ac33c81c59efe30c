// `tf-oci-registry serve`: loads the configuration, builds the application through the one wiring and
// serves it over HTTP or HTTPS until SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Config } from '../config/load.js';
import { createInFlight } from './in-flight.js';
import { createLogger, createServerApp, createStore } from '../wiring/server-app.js';
import { startupBanner } from './banner.js';
import { ensureDevTls } from './dev-tls.js';
import { isClusterWorker, workerCount } from './workers.js';
import { keepFreedMemory } from './malloc-trim.js';
import { missingHeapFlags } from './heap-flags.js';
import { serveMetrics } from './metrics-listener.js';
import { shareMetricsWithPrimary } from '../wiring/cluster-metrics.js';

/**
 * Start-up phases, ms since the process started (performance.now()): the command line loaded (`cli`), the
 * server's code loaded (`code`), the configuration read (`config`); serveConfig adds the logger made and
 * the malloc trim threshold set (`trim`), the store made (`store`), the application built (`app`) and
 * listening (`listening`). The "started" log line carries them (docs/operations.md#start-up-time).
 */
export type StartupMarks = Record<string, number>;

export async function serveConfig(config: Config, startup: StartupMarks = {}): Promise<void> {
  const marks: StartupMarks = { ...startup };
  // server.workers: this process only supervises the workers, each of which runs what follows.
  const workers = workerCount(config.server.workers);
  const worker = isClusterWorker();
  if (workers > 1 && !worker) {
    const { servePrimary } = await import('./serve-workers.js');
    servePrimary(config, workers);
    return;
  }
  const logger = createLogger(config.log.level);
  // Before the application exists (a small heap to collect): freed socket buffers stay in the process.
  // Also tried once listening and before the code is loaded (bench/findings.md "Start-up"): not kept.
  const missing = missingHeapFlags();
  if (missing.length > 0)
    logger.debug({ flags: missing }, 'node started without these flags: under load the heap may be collected over and over');
  const mallocTrim = keepFreedMemory();
  if (mallocTrim !== undefined) logger.debug({ reason: mallocTrim }, 'malloc trim threshold left as it is');
  marks.trim = performance.now();
  if (config.server.secretsGenerated) {
    logger.warn('no server.secrets configured: using a random secret; download URLs will not survive a restart or work across replicas');
  }
  warnAboutAuth(config, logger);
  const store = createStore(config, logger);
  marks.store = performance.now();
  const { app, nodeFront, metrics, usage, readiness, sweepTemp } = createServerApp(config, logger, store);
  marks.app = performance.now();
  usage?.start();
  // What a killed process left in the temp dir is older than a lease: removed within two (docs/fault-tolerance.md#temp-files).
  const sweeper = setInterval(() => void sweepTemp(), config.publish.uploadLease * 1000).unref();

  let caFile: string | undefined;
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (config.server.tls.cert && config.server.tls.key) {
    tls = { cert: readFileSync(config.server.tls.cert), key: readFileSync(config.server.tls.key) };
  } else if (config.server.tls.selfSigned) {
    const dev = ensureDevTls(join(config.storage.path, 'tls'), [config.server.publicUrl.hostname]);
    tls = { cert: readFileSync(dev.certFile), key: readFileSync(dev.keyFile) };
    caFile = dev.caFile;
  }

  // @hono/node-server's listener for app.fetch, behind the request pipeline's Node entry (src/http/pipeline/).
  // Every request is counted until it is answered and its handler settled, for the graceful shutdown.
  const inFlight = createInFlight();
  const listener = inFlight.track(nodeFront(inFlight.trackHandler(getRequestListener(app.fetch, { hostname: config.server.listen.host }))));
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
  server.once('error', (err) => {
    logger.fatal({ err }, `cannot listen on ${config.server.listen.host}:${config.server.listen.port}`);
    process.exit(1);
  });
  server.listen({ port: config.server.listen.port, host: config.server.listen.host, backlog: LISTEN_BACKLOG }, () => {
    const info = server.address() as AddressInfo;
    marks.listening = performance.now();
    logger.info({ ...startupSummary(config, store.describe, info), startup: roundMarks(marks) }, 'started');
    if (!worker) process.stdout.write(startupBanner(config, caFile));
  });
  // Under server.workers the primary serves [metrics] listen with every worker's metrics summed.
  if (metrics && worker) shareMetricsWithPrimary(metrics);
  const metricsServer =
    metrics && config.metrics.listen && !worker ? serveMetrics(config.metrics.listen, () => metrics.render(), logger) : undefined;

  // Graceful shutdown (docs/operations.md#shutdown): /readyz answers 503 "draining" at once, no new
  // connection is accepted, requests in flight get server.shutdown_timeout seconds to finish; uploads
  // still running then are cut and record why on their version; usage is flushed; exit 0. A second
  // signal exits at once (1).
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal, inFlight: inFlight.size }, 'second signal: exiting now, requests in flight are cut');
      process.exit(1);
    }
    stopping = true;
    const deadlineMs = config.server.shutdownTimeout * 1000;
    logger.info({ signal, inFlight: inFlight.size, shutdownTimeout: config.server.shutdownTimeout }, 'shutting down: draining');
    readiness.drain();
    server.close();
    metricsServer?.close();
    // Keep-alive connections are closed as soon as they are idle, so clients reconnect elsewhere.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.closeIdleConnections();
    let drained = await inFlight.drain(deadlineMs);
    if (!drained) {
      const cut = inFlight.cut(SHUTDOWN_REASON);
      logger.warn(
        { inFlight: inFlight.size, uploadsCut: cut, shutdownTimeout: config.server.shutdownTimeout },
        'shutdown timeout reached: requests in flight cut',
      );
      // The cut uploads record why on their version (a store write): bounded too.
      drained = await inFlight.drain(RECORD_GRACE_MS);
    }
    clearInterval(idle);
    clearInterval(sweeper);
    // Usage counted since the last flush is written before the process ends (docs/operations.md#usage).
    if (usage) await usage.stop().catch((err: unknown) => logger.error({ err: errorText(err) }, 'usage could not be flushed'));
    server.closeAllConnections();
    logger.info({ drained }, 'stopped');
    // Every log line written before exit (src/wiring/log-destination.ts): the asynchronous write in flight
    // first, then the rest; bounded, in case the log's reader stopped reading.
    await new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, LOG_FLUSH_MS);
      logger.flush(() => {
        clearTimeout(bound);
        resolve();
      });
    });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** What a cut upload records on its version (docs/operations.md#shutdown). */
export const SHUTDOWN_REASON = 'server shut down during upload';
/** How long cut uploads get to record that, after the shutdown timeout. */
const RECORD_GRACE_MS = 10_000;
/** At most this long to write the last log lines at shutdown. */
const LOG_FLUSH_MS = 2000;

/** The marks in whole ms, in the order they were taken. */
function roundMarks(marks: StartupMarks): Record<string, number> {
  return Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, Math.round(v)]));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The one structured start-up line: what this process serves, from where, with which settings. */
function startupSummary(config: Config, store: string, info: AddressInfo): Record<string, unknown> {
  return {
    version: packageVersion(),
    node: process.version,
    pid: process.pid,
    address: info.address,
    port: info.port,
    publicUrl: config.server.publicUrl.href,
    tls: Boolean(config.server.tls.cert || config.server.tls.selfSigned),
    store,
    storageKind: config.storage.kind,
    prefix: config.storage.prefix,
    authMode: config.auth.mode,
    downloadMode: config.server.downloadMode,
    mirrorUpstreams: config.mirror.upstreams.map((u) => u.hostname),
    mirrorServices: config.mirror.services.map((s) => s.name),
    metrics: config.metrics.enabled
      ? config.metrics.listen
        ? `${config.metrics.listen.host}:${config.metrics.listen.port}`
        : 'main listener'
      : 'off',
    usage: config.usage.enabled ? `flush every ${config.usage.flushInterval} s` : 'off',
    requestTimeout: config.server.requestTimeout,
    shutdownTimeout: config.server.shutdownTimeout,
    secretsGenerated: config.server.secretsGenerated,
  };
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Start-up notes on the access-control mode (docs/auth.md); never prints a credential. */
function warnAboutAuth(config: Config, logger: ReturnType<typeof createLogger>): void {
  const { mode } = config.auth;
  if (mode === 'none' && config.storage.kind === 'registry') {
    logger.warn(
      'auth.mode = "none": every caller reads AND publishes with the storage credential; use "delegate" or "service" beyond a trusted network',
    );
  } else if (mode === 'none') {
    logger.info('auth.mode = "none": no access control (local layout store); set auth.mode = "service" to require API tokens');
  } else if (mode === 'service') {
    logger.info(
      { tokens: config.auth.tokens.map((t) => t.name), anonymousRead: config.auth.anonymousRead },
      'auth.mode = "service": API tokens checked against the permission table',
    );
  } else {
    logger.info(
      { tokenAs: config.auth.delegate.tokenAs },
      'auth.mode = "delegate": callers\' tokens are used upstream; the registry decides',
    );
  }
}

/**
 * Connections the kernel queues before they are accepted. Node's default (511) overflowed at 1,000
 * clients connecting at once: the dropped SYNs were retried after 1 and 3 s (p99 of 7 s and client
 * timeouts in the load benchmark). The kernel caps it at net.core.somaxconn (4096 by default since Linux 5.4).
 */
const LISTEN_BACKLOG = 4096;
