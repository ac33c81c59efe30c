// `tf-oci-registry serve`: loads the configuration, builds the application through the one wiring and
// serves it over HTTP or HTTPS until SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Config } from '../config/load.js';
import { createLogger, createServerApp, createStore } from '../wiring/server-app.js';
import { startupBanner } from './banner.js';
import { ensureDevTls } from './dev-tls.js';
import { isClusterWorker, workerCount } from './workers.js';
import { serveMetrics } from './metrics-listener.js';
import { shareMetricsWithPrimary } from '../wiring/cluster-metrics.js';

export async function serveConfig(config: Config): Promise<void> {
  // server.workers: this process only supervises the workers, each of which runs what follows.
  const workers = workerCount(config.server.workers);
  const worker = isClusterWorker();
  if (workers > 1 && !worker) {
    const { servePrimary } = await import('./serve-workers.js');
    servePrimary(config, workers);
    return;
  }
  const logger = createLogger(config.log.level);
  if (config.server.secretsGenerated) {
    logger.warn('no server.secrets configured: using a random secret; download URLs will not survive a restart or work across replicas');
  }
  warnAboutAuth(config, logger);
  const store = createStore(config, logger);
  const { app, nodeFront, metrics, usage } = createServerApp(config, logger, store);
  usage?.start();

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
  const listener = nodeFront(getRequestListener(app.fetch, { hostname: config.server.listen.host }));
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
  server.once('error', (err) => {
    logger.fatal({ err }, `cannot listen on ${config.server.listen.host}:${config.server.listen.port}`);
    process.exit(1);
  });
  server.listen(config.server.listen.port, config.server.listen.host, () => {
    const info = server.address() as AddressInfo;
    logger.info({ address: info.address, port: info.port, store: store.describe, publicUrl: config.server.publicUrl.href }, 'listening');
    if (!worker) process.stdout.write(startupBanner(config, caFile));
  });
  // Under server.workers the primary serves [metrics] listen with every worker's metrics summed.
  if (metrics && worker) shareMetricsWithPrimary(metrics);
  const metricsServer =
    metrics && config.metrics.listen && !worker ? serveMetrics(config.metrics.listen, () => metrics.render(), logger) : undefined;
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    metricsServer?.close();
    // Usage counted since the last flush is written before the process ends (docs/operations.md#usage).
    void (usage ? usage.stop() : Promise.resolve()).finally(() => server.close(() => process.exit(0)));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
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
