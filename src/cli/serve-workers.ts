// The primary of `serve` with `server.workers` > 1 (docs/operations.md#workers): what the workers share is
// made here once (the random secret when none is configured, the development TLS files), the workers are
// supervised by workers.ts, the banner is printed once, and with [metrics] listen the primary serves the
// sum of every worker's metrics.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import { clusterMetricsRenderer } from '../wiring/cluster-metrics.js';
import { createLogger } from '../wiring/server-app.js';
import { startupBanner } from './banner.js';
import { ensureDevTls } from './dev-tls.js';
import { serveMetrics } from './metrics-listener.js';
import { runPrimary } from './workers.js';

export function servePrimary(config: Config, count: number): void {
  const logger = createLogger(config.log.level);
  const env: Record<string, string> = {};
  if (config.server.secretsGenerated) {
    logger.warn(
      'no server.secrets configured: the workers share a random secret; download URLs will not survive a restart or work across replicas',
    );
    env.TF_OCI_REGISTRY_SERVER_SECRETS = randomBytes(32).toString('base64url');
  }
  const caFile =
    !(config.server.tls.cert && config.server.tls.key) && config.server.tls.selfSigned
      ? ensureDevTls(join(config.storage.path, 'tls'), [config.server.publicUrl.hostname]).caFile
      : undefined;
  const metricsServer =
    config.metrics.enabled && config.metrics.listen
      ? serveMetrics(config.metrics.listen, clusterMetricsRenderer({ cluster }), logger)
      : undefined;
  runPrimary({
    count,
    env,
    logger,
    onListening: () => process.stdout.write(startupBanner(config, caFile)),
    onShutdown: () => metricsServer?.close(),
  });
}
