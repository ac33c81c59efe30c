// Metrics across `server.workers` (docs/operations.md#workers): each worker answers the primary's requests
// for its registry over the cluster channel, and the primary sums them (prom-client's AggregatorRegistry,
// https://github.com/siimon/prom-client#usage-with-nodejss-cluster-module) for its [metrics] listen.
import { type Metrics, promClient } from '../metrics/metrics.js';

/** In a worker: the registry the primary's aggregation reads. */
export function shareMetricsWithPrimary(metrics: Metrics): void {
  const { AggregatorRegistry } = promClient();
  AggregatorRegistry.setRegistries([metrics.registry]);
  // The worker answers the primary's requests only once an AggregatorRegistry exists in the process
  // (its constructor adds the cluster message listener).
  new AggregatorRegistry();
}

/** In the primary: the sum of every worker's metrics, in the Prometheus text format. */
export function clusterMetricsRenderer(): () => Promise<{ contentType: string; body: string }> {
  const { AggregatorRegistry } = promClient();
  const aggregator = new AggregatorRegistry();
  return async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() });
}
