// Metrics across `server.workers` (docs/operations.md#workers): on each scrape the primary asks every
// connected worker for its registry over the cluster channel and sums the answers that come in time
// (prom-client's AggregatorRegistry.aggregate, https://github.com/siimon/prom-client#usage-with-nodejss-cluster-module).
// prom-client's own collection fails the whole scrape when one worker does not answer within 5 s (a
// worker still starting, or busy on a loaded machine: the primary's /metrics answered 500); here a scrape
// sums the workers that answered and says how many did not, in tfoci_metrics_workers{answered="false"}.
import type { Cluster, Worker } from 'node:cluster';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { loadPromClient, METRIC_PREFIX, type Metrics } from '../metrics/metrics.js';

/** The messages of the exchange (a type field no other cluster message uses). */
const ASK = 'tfoci:metrics?';
const ANSWER = 'tfoci:metrics';

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

interface Ask {
  type: typeof ASK;
  id: number;
}

interface Answer {
  type: typeof ANSWER;
  id: number;
  metrics?: WorkerMetrics;
  error?: string;
}

/** What a worker needs of its process: the IPC channel to the primary. */
export interface PrimaryChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: unknown): boolean;
}

/** In a worker: answers the primary's requests for this process's metrics. */
export function shareMetricsWithPrimary(metrics: Metrics, channel: PrimaryChannel = process): void {
  channel.on('message', (message) => {
    const ask = message as Partial<Ask> | null;
    if (ask?.type !== ASK || typeof ask.id !== 'number') return;
    const id = ask.id;
    metrics.registry.getMetricsAsJSON().then(
      (json) => channel.send?.({ type: ANSWER, id, metrics: json } satisfies Answer),
      (err: unknown) => channel.send?.({ type: ANSWER, id, error: String(err) } satisfies Answer),
    );
  });
}

export interface ClusterMetricsOptions {
  /** The primary's cluster (node:cluster in the server; a fake in unit tests). */
  cluster: Pick<Cluster, 'on' | 'workers'>;
  /** How long a scrape waits for the workers' answers. Default 3 000 ms (Prometheus' default scrape timeout is 10 s). */
  timeoutMs?: number;
}

/** One scrape's state, while the workers' answers come in. */
interface Scrape {
  waiting: Set<number>;
  answers: WorkerMetrics[];
  /** Workers that answered with an error instead of their metrics. */
  failed: number;
  /** Ends the wait: every asked worker answered. */
  done(): void;
}

/** In the primary: the sum of the workers' metrics, in the Prometheus text format. */
export function clusterMetricsRenderer(opts: ClusterMetricsOptions): () => Promise<{ contentType: string; body: string }> {
  const { AggregatorRegistry, Gauge, Registry } = loadPromClient();
  const timeoutMs = opts.timeoutMs ?? 3000;
  const scrapes = new Map<number, Scrape>();
  let next = 0;
  opts.cluster.on('message', (worker: Worker, message: unknown) => {
    const answer = message as Partial<Answer> | null;
    if (answer?.type !== ANSWER || typeof answer.id !== 'number') return;
    const scrape = scrapes.get(answer.id);
    if (!scrape?.waiting.delete(worker.id)) return;
    if (answer.metrics) scrape.answers.push(answer.metrics);
    else scrape.failed++;
    if (scrape.waiting.size === 0) scrape.done();
  });
  return async () => {
    const id = next++;
    const asked = Object.values(opts.cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true);
    let done!: () => void;
    const answered = new Promise<void>((resolve) => (done = resolve));
    const scrape: Scrape = { waiting: new Set(asked.map((w) => w.id)), answers: [], failed: 0, done };
    scrapes.set(id, scrape);
    const timer = setTimeout(done, timeoutMs);
    for (const w of asked) w.send({ type: ASK, id } satisfies Ask);
    if (asked.length === 0) done();
    await answered;
    clearTimeout(timer);
    scrapes.delete(id);
    // The primary's own metric, in a registry of this scrape's (concurrent scrapes share nothing).
    const own = new Registry();
    const workers = new Gauge({
      name: `${METRIC_PREFIX}metrics_workers`,
      help: `Workers asked for their metrics by this scrape, by whether they answered within ${timeoutMs} ms (the sums cover those that did)`,
      labelNames: ['answered'],
      registers: [own],
    });
    const missing = scrape.waiting.size + scrape.failed;
    workers.set({ answered: 'true' }, asked.length - missing);
    workers.set({ answered: 'false' }, missing);
    const summed = Registry.merge([AggregatorRegistry.aggregate(scrape.answers), own]);
    return { contentType: Registry.PROMETHEUS_CONTENT_TYPE, body: await summed.metrics() };
  };
}
