// Streaming proof against the REAL registry: a 200 MB blob generated on the fly (never stored on disk
// by the test, never held in memory) is pushed through one streaming PATCH and read back through the
// verifying stream. Peak RSS growth is sampled during both and must stay far below the blob size
// (a buffering client would grow by ~200 MB).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import type { OciStore } from '../../src/oci/store.js';
import type { Digest } from '../../src/oci/types.js';
import { DOCKER_REGISTRY_BIN, requireTool, startDistribution, type Distribution } from '../support/distribution.js';

const TOTAL = 200 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const LIMIT_GROWTH = 60 * 1024 * 1024;

/** Deterministic pseudo-random chunks; `hash` sees exactly what was produced. */
function generated(hash: ReturnType<typeof createHash>): Readable {
  let produced = 0;
  let x = 0x9e3779b9;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (produced >= TOTAL) return void this.push(null);
      const chunk = Buffer.allocUnsafe(CHUNK);
      for (let i = 0; i < CHUNK; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        chunk.writeInt32LE(x | 0, i);
      }
      produced += CHUNK;
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}

describe('200 MB streamed blob through the real registry', requireTool(DOCKER_REGISTRY_BIN), () => {
  let reg: Distribution;
  let dispatcher: Agent;
  let store: OciStore;
  let digest: Digest;
  before(async () => {
    reg = await startDistribution();
    dispatcher = new Agent();
    store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher });
    await store.ping(); // warm up the connection pool and code paths before measuring
  });
  after(async () => {
    await dispatcher?.close();
    await reg?.stop();
  });

  it('uploads with bounded memory', async (t) => {
    const hash = createHash('sha256');
    const t0 = Date.now();
    const { result, growth } = await peakGrowth(() => store.pushBlob('big/blob', generated(hash)));
    const seconds = (Date.now() - t0) / 1000;
    digest = result.digest;
    assert.equal(result.size, TOTAL);
    assert.equal(result.digest, `sha256:${hash.digest('hex')}`);
    t.diagnostic(`upload 200 MB: ${seconds.toFixed(2)} s, peak RSS growth ${(growth / 1048576).toFixed(1)} MiB`);
    assert.ok(growth < LIMIT_GROWTH, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
  });

  it('downloads with bounded memory, verified', async (t) => {
    assert.ok(digest, 'upload test ran first');
    const t0 = Date.now();
    const { result, growth } = await peakGrowth(async () => {
      const blob = await store.fetchBlob('big/blob', digest);
      const h = createHash('sha256');
      let n = 0;
      for await (const c of blob.body as AsyncIterable<Buffer>) {
        h.update(c);
        n += c.length;
      }
      return { n, hex: h.digest('hex') };
    });
    const seconds = (Date.now() - t0) / 1000;
    t.diagnostic(`download 200 MB: ${seconds.toFixed(2)} s, peak RSS growth ${(growth / 1048576).toFixed(1)} MiB`);
    assert.equal(result.n, TOTAL);
    assert.equal(`sha256:${result.hex}`, digest);
    assert.ok(growth < LIMIT_GROWTH, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
  });
});
