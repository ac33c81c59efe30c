// The primary's sum of its workers' metrics (cluster-metrics.ts) over a fake cluster channel: every
// worker's counters summed, and a worker that does not answer in time, answers with an error or is not
// connected leaves the others' sums served, counted in tfoci_metrics_workers{answered="false"}.
import assert from 'node:assert/strict';
import type { Cluster, Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { clusterMetricsRenderer, shareMetricsWithPrimary } from './cluster-metrics.js';

type Behaviour = 'answers' | 'silent' | 'fails' | 'disconnected';

/** A primary's cluster with one fake worker per behaviour, each over its own in-memory channel. */
function fakeCluster(behaviours: Behaviour[]): { cluster: Pick<Cluster, 'on' | 'workers'>; metrics: Metrics[]; primary: EventEmitter } {
  const primary = new EventEmitter();
  const workers: Record<string, Worker> = {};
  const metrics: Metrics[] = [];
  behaviours.forEach((behaviour, i) => {
    const id = i + 1;
    const m = createMetrics({ processMetrics: false });
    if (behaviour === 'fails') m.registry.getMetricsAsJSON = () => Promise.reject(new Error('collector broke'));
    metrics.push(m);
    const channel = new EventEmitter();
    const worker = {
      id,
      isConnected: () => behaviour !== 'disconnected',
      send: (message: unknown) => {
        if (behaviour !== 'silent') setImmediate(() => channel.emit('message', message));
        return true;
      },
    } as unknown as Worker;
    workers[String(id)] = worker;
    shareMetricsWithPrimary(m, {
      on: (event, listener) => channel.on(event, listener),
      send: (answer) => primary.emit('message', worker, answer),
    });
  });
  return { cluster: { on: primary.on.bind(primary), workers } as unknown as Pick<Cluster, 'on' | 'workers'>, metrics, primary };
}

const count = (m: Metrics, n: number) => {
  for (let i = 0; i < n; i++) m.storeCall('main', 'listTags', 'ok', 0.001);
};

const sample = (body: string, prefix: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('metrics summed across workers', () => {
  it("sums every worker's counters and says all answered", async () => {
    const { cluster, metrics } = fakeCluster(['answers', 'answers']);
    count(metrics[0]!, 3);
    count(metrics[1]!, 5);
    const { body, contentType } = await clusterMetricsRenderer({ cluster })();
    assert.match(contentType, /^text\/plain/);
    assert.equal(sample(body, 'tfoci_store_requests_total{'), 8);
    assert.equal(sample(body, 'tfoci_metrics_workers{answered="true"}'), 2);
    assert.equal(sample(body, 'tfoci_metrics_workers{answered="false"}'), 0);
  });

  it('serves the others when a worker is silent, fails or is not connected, and counts them', async () => {
    const { cluster, metrics } = fakeCluster(['answers', 'silent', 'fails', 'disconnected']);
    for (const m of metrics) count(m, 2);
    const started = performance.now();
    const { body } = await clusterMetricsRenderer({ cluster, timeoutMs: 200 })();
    assert.ok(performance.now() - started >= 150, 'waited for the silent worker');
    assert.equal(sample(body, 'tfoci_store_requests_total{'), 2);
    assert.equal(sample(body, 'tfoci_metrics_workers{answered="true"}'), 1);
    assert.equal(
      sample(body, 'tfoci_metrics_workers{answered="false"}'),
      2,
      'the silent and the failing one; the disconnected one was not asked',
    );
  });

  it('answers at once with no worker, and ignores late or foreign answers', async () => {
    const none = await clusterMetricsRenderer({ cluster: fakeCluster([]).cluster })();
    assert.equal(sample(none.body, 'tfoci_metrics_workers{answered="true"}'), 0);
    const { cluster, metrics, primary } = fakeCluster(['answers']);
    count(metrics[0]!, 1);
    const render = clusterMetricsRenderer({ cluster });
    const worker = cluster.workers!['1']!;
    // An answer for a scrape that is not running (an old one) changes nothing.
    primary.emit('message', worker, { type: 'tfoci:metrics', id: 99, metrics: [] });
    const { body } = await render();
    assert.equal(sample(body, 'tfoci_store_requests_total{'), 1);
  });
});
